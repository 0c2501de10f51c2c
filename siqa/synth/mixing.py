"""Close-talk channels: own speech, the partner's speech leaking in (bleed) with a level and a lag, and noise."""

from __future__ import annotations

import numpy as np

from siqa.dataset.schema import SAMPLE_RATE


def delayed(samples: np.ndarray, lag_ms: float) -> np.ndarray:
    """`samples` delayed by a whole number of 48 kHz samples (20.8 us steps), same length."""
    shift = int(round(lag_ms * SAMPLE_RATE / 1000))
    if shift <= 0:
        return samples.copy()
    return np.concatenate((np.zeros(shift, samples.dtype), samples[:-shift]))


def mix_channel(own: np.ndarray, partner: np.ndarray, bleed_db: float, lag_ms: float, noise_dbfs: float,
                rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0.0, 10 ** (noise_dbfs / 20), len(own)).astype(np.float32)
    return (own + np.float32(10 ** (bleed_db / 20)) * delayed(partner, lag_ms) + noise).astype(np.float32)


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype(np.int16)
