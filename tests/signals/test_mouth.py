"""Mouth opening from the face keypoints and its offset against the speech envelope, on keypoints written by
`siqa.synth` (the lower lip follows the voice) and shifted by known amounts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siqa.config import RuleSet
from siqa.context import Skip
from siqa.dataset.schema import FPS
from siqa.signals.activity import Activity
from siqa.signals.mouth import estimate_sync, lagged_correlation, mouth_opening, speech_envelope
from siqa.synth.features import behaviour_curve, make_features
from siqa.synth.people import people_pool

SETTINGS = RuleSet.load("default").signal("mouth")


def _speech(rng: np.random.Generator, frames: int) -> np.ndarray:
    """A speech-like envelope: turns of 1-3 s with syllables at about 4 Hz, silence between."""
    envelope = np.zeros(frames)
    t = 10
    while t < frames - 30:
        length = int(rng.uniform(1, 3) * FPS)
        syllables = np.abs(np.sin(np.arange(length) * 2 * np.pi * rng.uniform(3, 5) / FPS + rng.uniform(0, 6)))
        envelope[t:t + length] = syllables[: frames - t] * rng.uniform(0.4, 1.0, min(length, frames - t))
        t += length + int(rng.uniform(0.5, 2) * FPS)
    return envelope


def _keypoints(seed: int, envelope: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frames = len(envelope)
    valid = rng.random(frames) > 0.03
    features = make_features(people_pool(1, seed)[0], envelope, behaviour_curve(frames, [], rng), valid, rng)
    return features["boxes_and_keypoints:keypoints"], valid


def test_the_mouth_opens_with_the_voice_and_is_unknown_without_a_face():
    envelope = _speech(np.random.default_rng(1), 600)
    keypoints, valid = _keypoints(1, envelope)
    opening = mouth_opening(keypoints, valid, SETTINGS["min_keypoint_score"])
    assert np.isnan(opening[~valid]).all() and np.isfinite(opening[valid]).all()
    assert np.corrcoef(opening[valid], envelope[valid])[0, 1] > 0.6
    keypoints[:, :, 2] = 0.1  # no lip point scored well enough
    assert np.isnan(mouth_opening(keypoints, valid, SETTINGS["min_keypoint_score"])).all()


@settings(max_examples=20, deadline=None)
@given(st.integers(-12, 12), st.integers(0, 2**31))
def test_a_known_shift_of_the_video_is_recovered_within_a_fraction_of_a_frame(shift, seed):
    envelope = _speech(np.random.default_rng(seed), 900)
    keypoints, valid = _keypoints(seed % 1000, envelope)
    opening = mouth_opening(np.roll(keypoints, shift, axis=0), np.roll(valid, shift), SETTINGS["min_keypoint_score"])
    sync = estimate_sync(opening, envelope, SETTINGS)
    assert sync.offset_frames == pytest.approx(shift, abs=0.5)
    assert sync.offset_ms == pytest.approx(sync.offset_frames * 1000 / FPS)
    assert sync.confidence > 0.5 and sync.correlation > sync.runner_up


def test_lagged_correlation_ignores_unknown_frames():
    rng = np.random.default_rng(2)
    audio = rng.normal(0, 1, 300)
    video = np.roll(audio, 4)
    video[::7] = np.nan
    lags, corr = lagged_correlation(video, audio, 6)
    assert lags[np.nanargmax(corr)] == 4 and np.nanmax(corr) == pytest.approx(1.0)


@pytest.mark.parametrize("mean, spread", [(0.0, 1.0), (0.05, 0.02), (30.0, 1e-3)])  # the last: a mouth gap
def test_lagged_correlation_is_pearson_per_lag_over_the_frames_both_know(mean, spread):  # in pixels
    rng = np.random.default_rng(5)
    audio, video = np.abs(rng.normal(0, 0.1, 200)), rng.normal(mean, spread, 190)
    audio[rng.random(200) < 0.2], video[rng.random(190) < 0.3] = np.nan, np.nan
    audio[60:] = 0.0  # silence: the lags below -59 see nothing else
    video[:40] = mean  # constant where some lags see only it
    lags, corr = lagged_correlation(video, audio, 80)
    for lag, value in zip(lags, corr):
        a, b = video[max(0, lag):190 + min(0, lag)], audio[max(0, -lag):190 - max(0, lag)]
        both = np.isfinite(a) & np.isfinite(b)
        varies = both.sum() >= 3 and a[both].std() > 0 and b[both].std() > 0
        expected = np.corrcoef(a[both], b[both])[0, 1] if varies else np.nan
        assert value == pytest.approx(expected, abs=1e-9, nan_ok=True), lag
    assert np.isnan(corr[lags < -60]).all() and np.isfinite(corr[lags > -50]).all()


def test_speech_envelope_is_the_rms_of_own_speech_per_video_frame():
    level = np.where(np.arange(300) < 150, -20.0, -40.0)  # 10 ms frames: 3 s
    speech = np.arange(300) < 200
    envelope = speech_envelope(Activity(speech, level, -60.0), 95)
    assert envelope[:45] == pytest.approx(0.1) and envelope[45:60] == pytest.approx(0.01)
    assert (envelope[60:90] == 0).all() and np.isnan(envelope[90:]).all()


def test_too_little_speech_is_a_skip_with_the_reason():
    envelope = np.zeros(600)
    envelope[100:130] = 1.0  # one second of speech
    keypoints, valid = _keypoints(3, envelope)
    with pytest.raises(Skip, match="own speech with a tracked mouth"):
        estimate_sync(mouth_opening(keypoints, valid, SETTINGS["min_keypoint_score"]), envelope, SETTINGS)
