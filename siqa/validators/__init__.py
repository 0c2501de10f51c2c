"""Built-in validators: one package per defect family, one module per rule, registered via entry points.

    integrity (IN)   timing (TS)   transcript (TR)   prompts (PR)   identity (ID)
    bleed (BL)       quality (RQ)  moi (MO)          av (AV)

A rule lives in `<family>/<code>_<name>.py` (`in013_silent_audio.py`) and is imported by its family's
`__init__.py`; `tests/rules/test_registration.py` fails for a module left out. `per_file`: interaction
rules that judge each participant file on its own signal.
"""
