"""Decoded audio at the analysis rate (16 kHz mono), resampled once per file and shared by every rule."""

from __future__ import annotations

import numpy as np
import soxr

from siqa.context import SignalCache
from siqa.dataset.units import ParticipantFile

ANALYSIS_RATE = 16_000


def at_analysis_rate(pf: ParticipantFile, signals: SignalCache) -> np.ndarray:
    """The file's mono audio at 16 kHz (webrtcvad's and Whisper's rate), float32."""

    def compute() -> np.ndarray:
        audio = pf.audio()
        if audio.sample_rate == ANALYSIS_RATE:
            return audio.mono.astype(np.float32, copy=False)
        return soxr.resample(audio.mono, audio.sample_rate, ANALYSIS_RATE, quality="HQ").astype(np.float32, copy=False)

    return signals.get("audio16k", str(pf.file_id), compute)
