"""Prompt rules (`PR`): the interaction's speech against its own prompt and its session's other prompts.

Importing this package registers every rule module in it (the `prompts` entry point of `siqa.validators`).
"""

from siqa.validators.prompts import pr001_prompt_mismatch, pr002_prompt_off_by_one  # noqa: F401
