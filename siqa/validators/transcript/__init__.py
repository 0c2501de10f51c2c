"""Transcript-vs-speech rules (`TR`): the provided transcript checked against ASR output.

Importing this package registers every rule module in it (the `transcript` entry point of `siqa.validators`).
"""

from siqa.validators.transcript import (  # noqa: F401
    tr001_transcript_vs_speech,
    tr002_speech_without_transcript,
    tr003_transcript_without_speech,
)
