"""The command line: one module per command, heavy imports deferred into the command bodies.

`main` builds the `siqa` app and registers each command module: `audit`, `check`, `rules`, `schema`, `report`,
`gate`, `apply`, `revert`, `identity`, `export`, `synth`.
"""
