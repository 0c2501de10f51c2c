"""The faster-whisper backend on a real model (the bundled tiny.en) and real synthetic speech, offline."""

from __future__ import annotations

import dataclasses

import jiwer
import numpy as np
import pytest
import soxr

from siqa.asr.backend import AsrSettings, AsrUnavailable
from siqa.asr.factory import load_backend
from siqa.asr.models import resolve_model
from siqa.config import RuleSet
from siqa.dataset.schema import SAMPLE_RATE
from siqa.signals.lexicon import tokens
from siqa.synth.speech import Voice, speak

SETTINGS = AsrSettings.from_dict(RuleSet.load("default").signal("asr"))
SENTENCES = ("we could take the tent and the lake", "i really want the wrench and the pedal")


@pytest.fixture(scope="module")
def transcribed():
    """Two short espeak-ng utterances transcribed in one call (packed into one window)."""
    clips = [soxr.resample(speak(text, Voice("m3", 50, 160)).samples, SAMPLE_RATE, 16_000).astype(np.float32)
             for text in SENTENCES]
    return clips, load_backend(SETTINGS).transcribe(clips)


def test_the_tiny_model_hears_what_was_said(transcribed):
    _, words = transcribed
    for text, heard in zip(SENTENCES, words):
        assert jiwer.wer(text, " ".join(tokens(" ".join(w.word for w in heard)))) <= 0.2


def test_word_times_are_inside_their_clip_and_in_order(transcribed):
    clips, words = transcribed
    for clip, heard in zip(clips, words):
        starts = [w.start for w in heard]
        assert starts == sorted(starts)
        assert all(0.0 <= w.start <= w.end <= len(clip) / 16_000 for w in heard)
        assert all(0.0 < w.probability <= 1.0 for w in heard)


def test_the_model_finds_what_was_said_plausible_and_other_words_not(transcribed):
    clips, words = transcribed
    heard = [" ".join(w.word for w in ws) for ws in words]
    # each clip against its own sentence, what ASR heard in it, the other clip's sentence, and no text
    (said, asr, other, empty), _ = load_backend(SETTINGS).plausibility(
        clips, [(SENTENCES[0], heard[0], SENTENCES[1], ""), (SENTENCES[1], heard[1], SENTENCES[0], "")])
    assert abs(said - asr) < 1.0  # what was said is about as plausible as the model's own words
    assert other < said - 2.0  # words that were not said are far less plausible
    assert np.isnan(empty) and all(s <= 0.0 for s in (said, asr, other))


def test_the_bundled_model_has_a_stable_id_and_a_folder_needs_weights(tmp_path):
    assert resolve_model("bundled") == resolve_model("bundled")
    assert resolve_model("large-v3").source == "large-v3"
    with pytest.raises(AsrUnavailable, match="model.bin"):
        resolve_model(str(tmp_path))


def test_asr_off_and_an_unloadable_model_say_why():
    with pytest.raises(AsrUnavailable, match="--asr none"):
        load_backend(dataclasses.replace(SETTINGS, backend="none"))
    broken = load_backend(dataclasses.replace(SETTINGS, device="no-such-device"))
    with pytest.raises(AsrUnavailable, match="could not be loaded"):
        broken.load()
