"""ITU-T P.56 active speech level: what the standard guarantees, on signals built here (numpy, espeak)."""

from __future__ import annotations

import numpy as np
import pytest
import soxr
from scipy.optimize import brentq

from siqa.config import RuleSet
from siqa.dataset.schema import SAMPLE_RATE
from siqa.signals.activity import ActivitySettings, speech_activity
from siqa.signals.energy import SILENCE_DBFS
from siqa.signals.loudness import active_speech_level
from siqa.synth.speech import Voice, speak
from siqa.validators.quality.levels import own_speech_dbfs

RATE = 16_000
SENTENCES = ("we went to the market on saturday morning", "it was raining so we took the bus",
             "the vegetables were fresh and cheap", "after that we had coffee near the station",
             "my sister bought a new pair of shoes", "then everyone went home tired but happy")
VOICES = (Voice("m3", 40, 150), Voice("f2", 70, 190), Voice("m1", 30, 120))


def _speech(voice: Voice, rate: int = RATE) -> list[np.ndarray]:
    return [soxr.resample(speak(text, voice).samples, SAMPLE_RATE, rate).astype(np.float32)
            for text in SENTENCES]


@pytest.fixture(scope="module")
def utterances() -> dict[Voice, list[np.ndarray]]:
    return {voice: _speech(voice) for voice in VOICES}


def _join(parts: list[np.ndarray], gaps: list[float], rate: int = RATE) -> np.ndarray:
    """`parts` with `gaps[i]` seconds of digital silence after part i."""
    pieces = [np.concatenate([p, np.zeros(int(g * rate), np.float32)]) for p, g in zip(parts, gaps)]
    return np.concatenate(pieces)


def _sine(seconds: float, rms_dbfs: float, freq: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sqrt(2) * 10 ** (rms_dbfs / 20) * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _rms_dbfs(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2)))


@pytest.mark.parametrize("voice", VOICES, ids=lambda v: v.variant)
def test_pauses_lower_the_long_term_rms_but_not_the_active_level(utterances, voice):
    parts = utterances[voice]
    rng = np.random.default_rng(0)
    fluent = _join(parts, [0.25] * len(parts))
    paused = _join(parts, list(rng.uniform(1.0, 4.0, len(parts))))
    before, after = active_speech_level(fluent, RATE), active_speech_level(paused, RATE)
    assert _rms_dbfs(fluent) - _rms_dbfs(paused) > 2.0
    assert after.activity < 0.7 * before.activity
    assert abs(after.dbfs - before.dbfs) < 0.5


def test_activity_factor_is_the_on_share_plus_at_most_the_hangover():
    """Noise bursts 3-8 s long with 3-8 s gaps: each burst is active, and so are the envelope's decay and the
    0.2 s hangover after it (about 0.3 s in all), nothing else."""
    rng = np.random.default_rng(1)
    pieces, on = [], 0
    for _ in range(8):
        burst = (rng.standard_normal(int(rng.uniform(3, 8) * RATE)) * 0.05).astype(np.float32)
        pieces += [burst, np.zeros(int(rng.uniform(3, 8) * RATE), np.float32)]
        on += len(burst)
    x = np.concatenate(pieces)
    share = on / len(x)
    result = active_speech_level(x, RATE)
    assert share <= result.activity < share + 8 * 0.35 * RATE / len(x)
    assert abs(result.dbfs - 20 * np.log10(0.05)) < 0.3


@pytest.mark.parametrize("freq,rms_dbfs", [(200.0, -10.0), (1000.0, -26.0), (3000.0, -45.0), (440.0, -3.01)])
def test_a_sine_burst_reads_its_rms(freq, rms_dbfs):
    """20 s of sine between silences: the active level is the sine's RMS (0 dB = full-scale square, so a
    full-scale sine, -3.01 dB, reads -3.01)."""
    x = np.concatenate([np.zeros(2 * RATE, np.float32), _sine(20.0, rms_dbfs, freq),
                        np.zeros(3 * RATE, np.float32)])
    result = active_speech_level(x, RATE)
    assert abs(result.dbfs - rms_dbfs) < 0.2
    assert abs(result.activity - 20.0 / 25.0) < 0.02


@pytest.mark.parametrize("voice", VOICES, ids=lambda v: v.variant)
def test_background_noise_30_db_down_leaves_the_level(utterances, voice):
    speech = _join(utterances[voice], [1.5] * len(SENTENCES))
    clean = active_speech_level(speech, RATE)
    noise = np.random.default_rng(2).standard_normal(len(speech)) * 10 ** ((clean.dbfs - 30) / 20)
    noisy = active_speech_level(speech + noise.astype(np.float32), RATE)
    assert abs(noisy.dbfs - clean.dbfs) < 0.5
    assert noisy.activity < 1.2 * clean.activity  # the noise-only pauses are not counted as speech


def test_a_short_burst_reads_the_level_derived_from_the_definition():
    """1 s of sine at RMS r in silence, worked out from P.56's definition alone. Two cascaded one-pole
    smoothers (time constant T) driven by |x|, whose mean is q0 = r 2 sqrt(2) / pi, give
    q = q0 (1 - (1 + t/T) e^(-t/T)) from the onset and q = q0 (1 + t/T) e^(-t/T) after the end; at threshold
    c the active time is the second less the rise time to c, plus the fall time to c and the 0.2 s hangover;
    the level is the A(c) where A(c) - C(c) = M."""
    tau, hangover, margin, seconds, rms_db = 0.03, 0.2, 15.9, 1.0, -20.0
    r = 10 ** (rms_db / 20)
    q0 = r * 2 * np.sqrt(2) / np.pi

    def step_response_time(fraction: float) -> float:  # t/T where (1 + t/T) e^(-t/T) = fraction
        return brentq(lambda u: (1 + u) * np.exp(-u) - fraction, 0.0, 50.0)

    def active_seconds(c: float) -> float:
        return seconds - tau * step_response_time(1 - c / q0) + tau * step_response_time(c / q0) + hangover

    def excess(c_db: float) -> float:
        c = 10 ** (c_db / 20)
        return 10 * np.log10(r**2 * seconds / active_seconds(c)) - c_db - margin

    c_db = brentq(excess, rms_db - 30, 20 * np.log10(q0) - 0.01)
    expected_active = active_seconds(10 ** (c_db / 20))
    expected_db = 10 * np.log10(r**2 * seconds / expected_active)
    assert -1.2 < expected_db - rms_db < -0.9  # the hand figure: 1.27 s active, about -1.05 dB

    x = np.concatenate([np.zeros(RATE, np.float32), _sine(seconds, rms_db, 1000.0),
                        np.zeros(2 * RATE, np.float32)])
    result = active_speech_level(x, RATE)
    assert abs(result.dbfs - expected_db) < 0.05
    assert abs(result.activity * len(x) / RATE - expected_active) < 0.01


def _sample_by_sample(x: np.ndarray, rate: int, step_db: float = 0.25) -> tuple[float, float]:
    """P.56 method B as written: per-sample envelope, per-threshold activity and hangover counters."""
    g, hang_max = np.exp(-1 / (rate * 0.03)), int(np.floor(0.2 * rate + 0.5))
    thresholds_db = -100.0 + step_db * np.arange(int(100 / step_db) + 1)
    c = 10 ** (thresholds_db / 20)
    active, hang = np.zeros(len(c)), np.full(len(c), hang_max)
    p = q = 0.0
    for v in x.astype(np.float64):
        p = g * p + (1 - g) * abs(v)
        q = g * q + (1 - g) * p
        on = q >= c
        hang[on] = 0
        held = ~on & (hang < hang_max)
        active[on | held] += 1
        hang[held] += 1
    energy = float(np.sum(x.astype(np.float64) ** 2))
    counted = active > 0
    level = 10 * np.log10(energy / active[counted])
    excess = level - thresholds_db[counted] - 15.9
    j = int(np.flatnonzero(excess <= 0)[0])
    dbfs = level[j - 1] + excess[j - 1] / (excess[j - 1] - excess[j]) * (level[j] - level[j - 1])
    return float(dbfs), energy / len(x) / 10 ** (dbfs / 10)


def test_matches_p56_computed_sample_by_sample():
    """The 1 ms block envelope and the sliding maximum against P.56's per-sample counters (8 kHz speech)."""
    x = _join(_speech(VOICES[1], 8000)[:3], [0.6, 1.1, 0.3], 8000)
    expected_db, expected_activity = _sample_by_sample(x, 8000)
    result = active_speech_level(x, 8000)
    assert abs(result.dbfs - expected_db) < 0.05
    assert abs(result.activity - expected_activity) < 0.005


def test_silence_and_a_lone_click_have_no_active_level():
    click = np.zeros(3 * RATE, np.float32)
    click[RATE] = 1.0
    assert active_speech_level(np.zeros(3 * RATE, np.float32), RATE) == active_speech_level(click, RATE)
    assert active_speech_level(click, RATE).dbfs == SILENCE_DBFS


@pytest.mark.parametrize("rate", [RATE, SAMPLE_RATE])
def test_agrees_with_voicebox_activlev_on_espeak_speech(utterances, rate):
    """Reference: VOICEBOX's `activlev` (P.56 method B, 3 dB thresholds), PyPI's pyvoicebox-sap port."""
    voicebox = pytest.importorskip("pyvoicebox", reason="pyvoicebox-sap (the P.56 reference) not installed")
    rng = np.random.default_rng(3)
    for voice in VOICES:
        parts = utterances[voice] if rate == RATE else _speech(voice, rate)
        x = _join(parts, list(rng.uniform(0.2, 3.0, len(parts))), rate)
        reference_db, reference_activity = voicebox.v_activlev(x.astype(np.float64), rate, "d")
        result = active_speech_level(x, rate)
        assert abs(result.dbfs - reference_db) < 0.5
        assert abs(result.activity - reference_activity) < 0.05


@pytest.mark.parametrize("bleed_db", [-35.0, -12.0])
def test_partner_bleed_does_not_raise_the_owners_speech_level(utterances, bleed_db):
    """A channel whose owner says two sentences while the partner, 6 dB louder, says six: the level of the own
    speech frames is the owner's clean P.56 level, bleed or not."""
    owner, partner = utterances[VOICES[0]][:2], [u * np.float32(2.0) for u in utterances[VOICES[1]]]
    gap = np.zeros(int(0.5 * RATE), np.float32)
    own_track = np.concatenate([gap, owner[0], gap, np.zeros_like(np.concatenate(partner[:3])), gap, owner[1],
                                gap, np.zeros_like(np.concatenate(partner[3:])), gap])
    partner_track = np.concatenate([gap, np.zeros_like(owner[0]), gap, *partner[:3], gap,
                                    np.zeros_like(owner[1]), gap, *partner[3:], gap])
    noise = np.random.default_rng(4).standard_normal((2, len(own_track))).astype(np.float32)
    noise *= np.float32(10 ** (-68 / 20))
    bleed = np.float32(10 ** (bleed_db / 20))
    channel = own_track + bleed * partner_track + noise[0]
    partner_channel = partner_track + bleed * own_track + noise[1]
    settings = ActivitySettings(**RuleSet.load("default").signal("activity"))
    speech = speech_activity(channel, partner_channel, settings).speech
    assert abs(own_speech_dbfs(channel, speech) - active_speech_level(own_track, RATE).dbfs) < 0.3
