"""Benchmarks that print measured figures (never asserted in tests): `python -m benchmarks` or `nox -s bench`."""
