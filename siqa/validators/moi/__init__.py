"""Moments-of-interest rules (`MO`): annotation windows checked against the behaviour-activity curve.

Importing this package registers every rule module in it (the `moi` entry point of `siqa.validators`).
"""

from siqa.validators.moi import (  # noqa: F401
    mo001_window_misses_behaviour,
    mo002_window_without_behaviour,
    mo003_malformed_annotation,
)
