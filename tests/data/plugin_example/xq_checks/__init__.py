"""Example siqa validator plugin (docs/plugins.md): its rules live in `xq_checks.rules`."""
