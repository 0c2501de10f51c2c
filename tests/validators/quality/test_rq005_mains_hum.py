"""RQ005's cheap spectrum: the CIC decimator keeps the hum band and rejects what would fold onto it, and the
Welch density is scipy's."""

from __future__ import annotations

import numpy as np
import pytest
import soxr
from scipy.signal import welch

from siqa.validators.quality.rq005_mains_hum import decimated, welch_density

RATE = 16_000


def _hum_prominence(freqs: np.ndarray, power: np.ndarray, hz: float = 50.0, band: float = 10.0) -> float:
    offset = np.abs(freqs - hz)
    return float(10 * np.log10(power[offset <= 1].max() / np.median(power[(offset <= band) & (offset > 3)])))


@pytest.mark.parametrize("size", [1000, 999])
def test_welch_density_is_scipys(size):
    signal = np.random.default_rng(size).normal(0, 1, 20 * size)
    freqs, power = welch(signal, fs=size, nperseg=size, detrend=False)
    mine = welch_density(signal, float(size))
    assert np.array_equal(mine[0], freqs) and np.allclose(mine[1], power, rtol=1e-10)


def test_decimated_hum_band_matches_a_high_quality_resampler():
    rng = np.random.default_rng(1)
    t = np.arange(20 * RATE) / RATE
    audio = (rng.normal(0, 0.05, len(t)) + 0.02 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    freqs, power = welch_density(decimated(audio, 16), 1000.0)
    reference = welch(soxr.resample(audio, RATE, 1000, quality="VHQ"), fs=1000, nperseg=1000, detrend=False)
    band = (freqs >= 40) & (freqs <= 70)
    assert abs(10 * np.log10(power[band].sum() / reference[1][band].sum())) < 0.25  # dB: the passband droop
    assert _hum_prominence(freqs, power) == pytest.approx(_hum_prominence(*reference), abs=0.3)
    assert _hum_prominence(freqs, power) > 20


def test_a_loud_tone_that_would_fold_onto_50_hz_is_not_hum():
    rng = np.random.default_rng(2)
    t = np.arange(20 * RATE) / RATE
    audio = (rng.normal(0, 0.01, len(t)) + 0.3 * np.sin(2 * np.pi * 1050 * t)).astype(np.float32)
    assert _hum_prominence(*welch_density(decimated(audio, 16), 1000.0)) < 6
    assert _hum_prominence(*welch_density(audio[::16], 1000.0)) > 40  # unfiltered, it lands on 50 Hz
