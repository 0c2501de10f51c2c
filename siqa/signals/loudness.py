"""Active speech level, ITU-T P.56 method B: the level of speech while it is on, whatever its pauses.

A long-term RMS falls with every pause, and a median of 10 ms frame levels reads 2-7 dB under the speech
level, by how much depending on speaking style. P.56 counts a sample as active while a smoothed envelope of
the rectified signal is above a threshold c, or was within the last 0.2 s (hangover). Each c gives a level
A(c) = 10 log10(sum of squares / active samples); the active level is the A where A(c) - 20 log10 c meets
the margin M = 15.9 dB (first crossing from the lowest threshold up, interpolated), so material more than
~16 dB under the speech (noise, bleed) is left out. P.56's and the G.191 `sv56` tool's constants; what
differs, for speed and resolution:

- the envelope (two cascaded one-pole smoothers, time constant 0.03 s) runs on 1 ms block means of |x|,
  not on every sample: the smoother's bandwidth is ~5 Hz, so the envelope moves by well under 1 %;
- "above c now or within the hangover" is "the envelope's maximum over the last 0.2 s is above c": one
  sliding maximum serves every threshold, and its histogram gives the activity at thresholds 0.25 dB apart
  from -100 dBFS up (sv56: 6 dB apart, bisected to 0.5 dB).

Levels are dB RMS re full scale (dBov of G.191): 0 dB is a full-scale square wave, a full-scale sine reads
-3.01 dB, as in `siqa.signals.energy.frame_dbfs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d
from scipy.signal import lfilter

from siqa.signals.energy import SILENCE_DBFS

TIME_CONSTANT_SECONDS = 0.03
HANGOVER_SECONDS = 0.2
MARGIN_DB = 15.9
BLOCK_SECONDS = 0.001
LOWEST_THRESHOLD_DBFS = -100.0
THRESHOLD_STEP_DB = 0.25


@dataclass(frozen=True)
class ActiveLevel:
    dbfs: float  # active speech level, dB RMS re full scale; SILENCE_DBFS when nothing is active
    activity: float  # activity factor: the share of the signal counted as active speech, 0..1


def envelope(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """P.56's envelope q of the rectified signal per block, and the block length in samples."""
    block = max(1, int(round(sample_rate * BLOCK_SECONDS)))
    blocks = -(-len(samples) // block)
    rectified = np.zeros(blocks * block, dtype=np.float32)
    np.abs(samples, out=rectified[: len(samples)])
    means = rectified.reshape(blocks, block) @ np.full(block, 1.0 / block, dtype=np.float32)
    g = np.exp(-block / (sample_rate * TIME_CONSTANT_SECONDS))
    b, a = np.array([1 - g], dtype=np.float32), np.array([1, -g], dtype=np.float32)
    return lfilter(b, a, lfilter(b, a, means)), block


def active_speech_level(samples: np.ndarray, sample_rate: int) -> ActiveLevel:
    """Active speech level and activity factor of `samples` (float, full scale 1.0)."""
    x = np.asarray(samples, dtype=np.float32)
    energy = float(np.dot(x, x))
    if energy <= 0.0:
        return ActiveLevel(SILENCE_DBFS, 0.0)
    q, block = envelope(x, sample_rate)
    hold = int(round(HANGOVER_SECONDS * sample_rate / block))
    # block b is active at threshold c when max(q[b - hold .. b]) >= c (causal: origin shifts the window left)
    held = maximum_filter1d(q, size=hold + 1, origin=hold - (hold + 1) // 2, mode="constant", cval=0.0)
    with np.errstate(divide="ignore"):
        held_db = 20.0 * np.log10(held.astype(np.float64))
    bins = np.floor((held_db - LOWEST_THRESHOLD_DBFS) / THRESHOLD_STEP_DB)
    bins = bins[bins >= 0].astype(np.int64)
    if bins.size == 0:
        return ActiveLevel(SILENCE_DBFS, 0.0)
    active = np.cumsum(np.bincount(bins)[::-1])[::-1] * float(block)  # active samples at threshold j
    threshold_db = LOWEST_THRESHOLD_DBFS + THRESHOLD_STEP_DB * np.arange(len(active))
    level_db = 10.0 * np.log10(energy / active)
    excess = level_db - threshold_db - MARGIN_DB  # > 0: the threshold is more than M under its level
    below = np.flatnonzero(excess <= 0)
    if excess[0] <= 0 or below.size == 0:  # under the lowest threshold, or never crossing (a lone click)
        return ActiveLevel(SILENCE_DBFS, 0.0)
    j = int(below[0])
    t = excess[j - 1] / (excess[j - 1] - excess[j])
    dbfs = float(level_db[j - 1] + t * (level_db[j] - level_db[j - 1]))
    return ActiveLevel(dbfs, min(1.0, energy / len(x) / 10 ** (dbfs / 10)))
