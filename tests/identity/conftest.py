"""Real speech for the voice backends: espeak-ng utterances of three voices, at the analysis rate."""

from __future__ import annotations

import numpy as np
import pytest
import soxr

from siqa.dataset.schema import SAMPLE_RATE
from siqa.signals.activity import FRAME_SAMPLES
from siqa.signals.audio import ANALYSIS_RATE
from siqa.synth.speech import Voice, speak

VOICES = {"low": Voice("m3", 25, 160), "high": Voice("f2", 75, 160), "mid": Voice("m1", 50, 170)}
SENTENCES = (
    "the river runs past the old mill every spring morning",
    "my sister painted the kitchen a bright yellow last week",
)


def at_16k(samples: np.ndarray) -> np.ndarray:
    return soxr.resample(samples, SAMPLE_RATE, ANALYSIS_RATE).astype(np.float32)


@pytest.fixture(scope="session")
def utterances() -> dict[tuple[str, int], np.ndarray]:
    return {
        (name, i): at_16k(speak(text, voice).samples)
        for name, voice in VOICES.items()
        for i, text in enumerate(SENTENCES)
    }


def dyad(own: np.ndarray, other: np.ndarray, gap_seconds: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Own speech, a silent gap, then someone else; and the own-speech flags (10 ms frames) of the first part."""
    gap = np.zeros(int(gap_seconds * ANALYSIS_RATE), np.float32)
    audio = np.concatenate([own, gap, other])
    flags = np.zeros(len(audio) // FRAME_SAMPLES, dtype=bool)
    flags[: len(own) // FRAME_SAMPLES - 3] = True  # stop short of the gap: analysis windows reach 40 ms ahead
    return audio, flags
