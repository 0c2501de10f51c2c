"""The default voice backend: MFCC and pitch statistics of the participant's own speech, and nothing else."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from siqa.config import ConfigError, RuleSet
from siqa.findings import Severity
from siqa.identity.voice import MfccPitchVoice, mel_basis, yin_periods
from siqa.identity.voice_backends import voice_backend
from tests.identity.conftest import dyad


def test_only_own_speech_frames_count_whatever_the_partner_says(utterances):
    backend = MfccPitchVoice()
    own = utterances[("low", 0)]
    with_high, flags = dyad(own, utterances[("high", 1)])
    with_mid, _ = dyad(own, utterances[("mid", 0)])
    first, second = backend.embed(with_high, flags), backend.embed(with_mid, flags)
    assert first is not None and first.dtype == np.float32 and first.shape == (19 + 19 + 2,)
    np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-5)
    everything = backend.embed(with_high, np.ones_like(flags))
    assert np.abs(everything - first).max() > 0.1  # the partner would have changed it


def test_too_little_own_speech_gives_no_vector(utterances):
    audio, flags = dyad(utterances[("low", 0)], utterances[("high", 0)])
    flags[50:] = False
    assert MfccPitchVoice(min_frames=100).embed(audio, flags) is None


def test_one_voice_saying_other_words_stays_closer_than_another_voice(utterances):
    backend = MfccPitchVoice()
    vectors = {
        key: backend.embed(audio, np.ones(len(audio) // 160, dtype=bool)) for key, audio in utterances.items()
    }
    for name in ("low", "high", "mid"):
        same = np.linalg.norm(vectors[(name, 0)] - vectors[(name, 1)])
        others = [
            np.linalg.norm(vectors[(name, 0)] - vectors[(other, 1)])
            for other in ("low", "high", "mid")
            if other != name
        ]
        assert same < min(others), name
    pitch = {name: vectors[(name, 0)][-2] for name in ("low", "mid", "high")}  # median log2 f0
    assert pitch["low"] < pitch["mid"] < pitch["high"]


def test_a_long_recording_capped_to_a_few_hundred_frames_keeps_its_voice(utterances):
    long = {name: np.concatenate([utterances[(name, i % 2)] for i in range(8)]) for name in ("low", "high", "mid")}
    capped, full = MfccPitchVoice(), MfccPitchVoice(mfcc_frames=10**6, pitch_frames=10**6)
    assert min(len(audio) // 160 for audio in long.values()) > 4 * capped.mfcc_frames
    every = {name: full.embed(audio, np.ones(len(audio) // 160, dtype=bool)) for name, audio in long.items()}
    for name, audio in long.items():
        vector = capped.embed(audio, np.ones(len(audio) // 160, dtype=bool))
        others = min(np.linalg.norm(vector - every[other]) for other in long if other != name)
        assert np.linalg.norm(vector - every[name]) < 0.25 * others, name
        assert abs(vector[-2] - every[name][-2]) < 0.03, name  # median log2 f0 within 2%


def test_pitch_ignores_unvoiced_own_speech(utterances):
    speech = utterances[("low", 0)]
    hiss = (0.05 * np.random.default_rng(0).standard_normal(2 * len(speech))).astype(np.float32)
    with_hiss = np.concatenate([hiss, speech])  # first: frame indices, not positions among own frames
    backend = MfccPitchVoice()
    alone = backend.embed(speech, np.ones(len(speech) // 160, dtype=bool))
    hissing = backend.embed(with_hiss, np.ones(len(with_hiss) // 160, dtype=bool))
    assert abs(hissing[-2] - alone[-2]) < 0.02  # median log2 f0


def test_the_rule_set_chooses_the_backend():
    settings = RuleSet.load("default").settings("ID004", Severity.INFO)
    assert isinstance(voice_backend(settings), MfccPitchVoice)
    with pytest.raises(ConfigError, match="unknown voice_backend"):
        voice_backend(
            type(settings)("ID004", {**settings.values, "voice_backend": "magic"}, settings.severity, "x")
        )


@pytest.mark.parametrize("f0", [75.0, 130.0, 210.0, 330.0])
def test_yin_periods_find_the_pitch_librosa_yin_finds(f0):
    rate, window = 16000, 667
    t = np.arange(rate) / rate
    rng = np.random.default_rng(int(f0))
    voice = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 6))
    audio = (voice + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
    frames = librosa.util.frame(audio, frame_length=window, hop_length=160, axis=0)
    ours = rate / yin_periods(frames, rate // 400, int(np.ceil(rate / 60)))
    reference = librosa.yin(audio, fmin=60, fmax=400, sr=rate, frame_length=window, hop_length=160, center=False)
    assert np.median(np.abs(ours / f0 - 1)) < 0.005
    np.testing.assert_allclose(np.median(ours), np.median(reference), rtol=0.005)


def test_mel_basis_and_mfcc_are_librosas(utterances):
    np.testing.assert_allclose(mel_basis(40), librosa.filters.mel(sr=16000, n_fft=400, n_mels=40), atol=1e-7)
    audio = utterances[("mid", 0)].astype(np.float32)
    frames = librosa.util.frame(audio, frame_length=400, hop_length=160, axis=0)
    mel = librosa.feature.melspectrogram(y=audio, sr=16000, n_fft=400, hop_length=160, n_mels=40, center=False)
    reference = librosa.feature.mfcc(S=librosa.power_to_db(mel, top_db=None), n_mfcc=20)[1:]
    np.testing.assert_allclose(MfccPitchVoice()._mfcc(frames), reference, atol=1e-3)
