"""Timing rules (`TS`): annotated times against the acoustic speech of each channel, and interaction edges.

Importing this package registers every rule module in it (the `timing` entry point of `siqa.validators`).
"""

from siqa.validators.timing import (  # noqa: F401
    ts001_timing_offset,
    ts002_speech_cut_at_edge,
    ts003_silent_edges,
    ts004_vad_disagreement,
    ts005_words_in_silence,
    ts006_off_prompt_edges,
)
