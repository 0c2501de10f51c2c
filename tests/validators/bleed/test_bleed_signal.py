"""The bleed estimator on constructed signals: level and lag of a known attenuated, delayed partner."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from siqa.signals.activity import FRAME_SAMPLES
from siqa.signals.audio import ANALYSIS_RATE
from siqa.signals.bleed import estimate_bleed

SETTINGS = {"window_seconds": 0.256, "min_partner_only_seconds": 1.5, "max_windows": 64, "max_lag_ms": 20.0,
            "confident_peak_ratio": 20.0}


def _channels(dc: float, level_db: float = -35.0, lag_ms: float = 3.5, seconds: float = 6.0):
    rng = np.random.default_rng(3)
    n = int(seconds * ANALYSIS_RATE)
    # speech-like: low-passed noise with a rumble, so the partner's short frames keep a nonzero mean
    partner = scipy.signal.lfilter(*scipy.signal.butter(2, 300, fs=ANALYSIS_RATE), rng.normal(0, 0.1, n))
    partner = (partner + 0.3 * rng.normal(0, 0.02, n)).astype(np.float32)
    lag = int(round(lag_ms * ANALYSIS_RATE / 1000))
    own = 10 ** (level_db / 20) * np.concatenate((np.zeros(lag), partner[:-lag]))
    own = (own + rng.normal(0, 10 ** (-62 / 20), n) + dc).astype(np.float32)
    return own, partner, np.ones(n // FRAME_SAMPLES, bool)


@pytest.mark.parametrize("dc", [0.0, 0.05, -0.05])
def test_a_dc_offset_in_the_own_channel_does_not_read_as_bleed(dc):
    own, partner, partner_only = _channels(dc)
    bleed = estimate_bleed(own, partner, partner_only, SETTINGS)
    assert abs(bleed.level_db - -35.0) < 0.5
    assert abs(bleed.lag_ms - 3.5) < 0.2
    assert bleed.confidence > 0.5
