"""Close-talk channels: own speech, the partner's speech leaking in (bleed) with a level and a lag, room tone."""

from __future__ import annotations

import numpy as np

from siqa.dataset.schema import SAMPLE_RATE


def delayed(samples: np.ndarray, lag_ms: float) -> np.ndarray:
    """`samples` delayed by a whole number of 48 kHz samples (20.8 us steps), same length."""
    shift = int(round(lag_ms * SAMPLE_RATE / 1000))
    if shift <= 0:
        return samples.copy()
    return np.concatenate((np.zeros(shift, samples.dtype), samples[:-shift]))


def mix_channel(own: np.ndarray, partner: np.ndarray, bleed_db: float, lag_ms: float, tone: np.ndarray,
                ceiling: float | None) -> np.ndarray:
    """Own sound, the partner's at the bleed level, and the room tone; scaled down as a whole where its peak
    would pass `ceiling` (a recordist keeps headroom: only a clipping defect clips)."""
    mixed = (own + np.float32(10 ** (bleed_db / 20)) * delayed(partner, lag_ms) + tone).astype(np.float32)
    peak = float(np.max(np.abs(mixed), initial=0.0))
    if ceiling and peak > ceiling:
        mixed *= np.float32(ceiling / peak)
    return mixed


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype(np.int16)
