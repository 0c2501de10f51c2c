"""Built-in validators: one package per defect family, one module per rule, registered via entry points."""
