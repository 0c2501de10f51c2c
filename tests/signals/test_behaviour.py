"""The behaviour-activity curve: per-person scaling against rest, hysteresis events with edges at the bounds,
unknown frames, and the voice's share, on features written by `siqa.synth`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from siqa.config import RuleSet
from siqa.dataset.schema import FPS
from siqa.signals.activity import Activity
from siqa.signals.behaviour import BehaviourSettings, Event, behaviour, events, voice_level
from siqa.signals.frames import per_frame, rest_z, smooth
from siqa.synth.features import behaviour_curve, make_features
from siqa.synth.people import people_pool

SETTINGS = BehaviourSettings.from_config(RuleSet.load("default").signal("behaviour"))
TRUTH = [(2.0, 4.5), (7.2, 9.0), (12.0, 15.5)]


def _features(seed: int, events: list[tuple[float, float]], seconds: float = 18.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    frames = int(seconds * FPS)
    person = people_pool(1, seed)[0]
    return make_features(person, np.zeros(frames), behaviour_curve(frames, events, rng), np.ones(frames, bool), rng)


def test_rest_scaling_holds_when_behaviour_fills_most_of_the_file():
    rng = np.random.default_rng(0)
    values = np.concatenate((rng.normal(1.0, 0.1, 400), rng.normal(5.0, 1.0, 600), [np.nan] * 10))
    z = rest_z(values, 25.0)
    assert abs(np.nanmedian(z[:400])) < 0.5 and 0.5 < np.nanstd(z[:400]) < 1.5  # median/MAD: 0.04
    assert np.median(z[400:1000]) > 10 and np.isnan(z[-10:]).all()


def test_rest_z_scales_each_column_as_it_would_alone():
    rng = np.random.default_rng(1)
    columns = rng.gamma(2.0, 1.0, (300, 4))
    columns[rng.random((300, 4)) < 0.2] = np.nan
    columns[:, 1] = np.nan  # nothing known
    columns[:, 2] = np.where(np.isnan(columns[:, 2]), np.nan, 3.0)  # no spread
    columns[:5, 3] = np.inf
    together = rest_z(columns, 25.0)
    for i in range(4):
        np.testing.assert_array_equal(together[:, i], rest_z(columns[:, i], 25.0))
    known = columns[np.isfinite(columns[:, 0]), 0]
    centre, floor = np.percentile(known, [25.0, 5.0])  # the rest level and its low tail, as numpy has them
    spread = (centre - floor) / (ndtri(0.25) - ndtri(0.05))
    np.testing.assert_array_equal(together[:, 0], (columns[:, 0] - centre) / spread)
    assert np.isnan(together[:, 1]).all() and set(together[:, 2][np.isfinite(together[:, 2])]) == {0.0}


def test_smoothing_rows_flagged_unknown_is_smoothing_them_as_nan():
    rng = np.random.default_rng(2)
    values, known = rng.normal(0, 1, (200, 3)), rng.random(200) < 0.7
    flagged = smooth(values, 5, known=known)
    np.testing.assert_array_equal(flagged, smooth(np.where(known[:, None], values, np.nan), 5))
    assert np.isnan(flagged).any() and np.isfinite(flagged).any()


def test_per_frame_averages_each_video_frame():
    values = np.arange(100.0)  # 1 s at 100 Hz
    out = per_frame(values, 100, 31)
    assert out[0] == pytest.approx(1.0) and out[29] == pytest.approx(98.0) and np.isnan(out[30])


@settings(max_examples=30, deadline=None)
@given(st.floats(1.0, 8.0), st.floats(0.8, 4.0), st.integers(0, 2**31))
def test_events_have_their_edges_where_a_blurred_bump_crosses_its_bounds(start, length, seed):
    t = np.arange(int(12 * FPS)) / FPS
    bump = np.clip(np.minimum(t - start, start + length - t) * 4 + 0.5, 0, 1)  # ramps centred on the bounds
    curve = 10 * bump + np.random.default_rng(seed).normal(0, 0.3, len(t))
    (event,) = events(curve, SETTINGS)
    assert event.start == pytest.approx(start, abs=0.1) and event.end == pytest.approx(start + length, abs=0.1)


def test_short_or_weak_runs_are_not_events():
    curve = np.zeros(300)
    curve[30:36] = 10.0  # 0.2 s: too short
    curve[100:200] = SETTINGS.low + 0.5 * (SETTINGS.high - SETTINGS.low)  # never reaches `high`
    assert events(curve, SETTINGS) == []


def test_behaviour_events_match_the_synthetic_moments_of_interest():
    found = behaviour(_features(3, TRUTH), None, SETTINGS)
    assert len(found.events) == len(TRUTH)
    for event, (start, end) in zip(found.events, TRUTH):
        assert isinstance(event, Event) and abs(event.start - start) < 0.2 and abs(event.end - end) < 0.2
    assert set(found.groups) == {"face", "expression", "head", "gaze", "emotion"}


def test_half_precision_features_give_the_same_events():
    features = _features(3, TRUTH)
    halved = {k: v.astype(np.float16) if v.dtype.kind == "f" else v for k, v in features.items()}
    found, full = behaviour(halved, None, SETTINGS), behaviour(features, None, SETTINGS)
    assert len(found.events) == len(full.events) == len(TRUTH)
    for event, reference in zip(found.events, full.events):
        assert abs(event.start - reference.start) < 0.1 and abs(event.end - reference.end) < 0.1


def test_invalid_and_non_finite_frames_are_unknown_not_behaviour():
    features = _features(5, [])
    features["movement:is_valid"][150:240] = False
    features["movement:FAUValue"][300:330] = np.nan
    found = behaviour(features, None, SETTINGS)
    assert not found.known[160:230].any() and np.isnan(found.curve[160:230]).all()
    assert found.known[300:330].all()  # the other groups still see these frames
    assert found.events == []


def test_louder_own_speech_raises_the_voice_group():
    speech = np.zeros(1000, bool)
    speech[100:900] = True
    level = np.full(1000, -60.0)
    level[100:900] = -20.0 + np.random.default_rng(1).normal(0, 1, 800)
    level[500:700] += 8.0  # a laugh
    activity = Activity(speech, level, -60.0)
    voice = rest_z(voice_level(activity, int(10 * FPS)), SETTINGS.rest_percentile)
    assert np.isnan(voice[:25]).all()  # silent: no voice level
    assert np.nanmean(voice[155:205]) > 4 * max(np.nanmean(voice[40:140]), 0.5)
