"""Transcript-vs-speech rules (`TR`): the provided transcript checked against ASR output.

Importing this package registers every rule module in it (the `transcript` entry point of `siqa.validators`).
"""
