"""Moments-of-interest rules (`MO`): annotation windows checked against the behaviour-activity curve.

Importing this package registers every rule module in it (the `moi` entry point of `siqa.validators`).
"""
