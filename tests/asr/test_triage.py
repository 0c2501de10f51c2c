"""Triage on hand-made channels: candidate spans, the cheap signals that make a span suspicious, the budget."""

from __future__ import annotations

from collections import Counter

import numpy as np

from siqa.asr.triage import (
    CALIBRATION,
    EVERYTHING,
    SUSPICIOUS,
    ChannelEvidence,
    Span,
    TriageSettings,
    select,
    triage,
)
from siqa.config import RuleSet
from siqa.dataset.meta import Segment, Word

SETTINGS = TriageSettings.from_dict({k: v for k, v in RuleSet.load("default").signal("asr_triage").items()
                                     if k != "offset_min_confidence"})


def speech(seconds: float, *runs: tuple[float, float]) -> np.ndarray:
    mask = np.zeros(int(seconds * 100), bool)
    for start, end in runs:
        mask[int(start * 100):int(end * 100)] = True
    return mask


def segment(start: float, text: str, score: float = 0.9, step: float = 0.3) -> Segment:
    words = tuple(Word(w, start + i * step, start + i * step + 0.25, score) for i, w in enumerate(text.split()))
    return Segment(words[0].start, words[-1].end, text, words)


def channel(mask: np.ndarray, *segments: Segment) -> ChannelEvidence:
    return ChannelEvidence("V00_S0001_I00000001_P0001", len(mask) / 100, mask, segments,
                           tuple((s.start, s.end) for s in segments))


CONTEXT = Counter({"tent": 3, "lake": 2, "fire": 2})


def test_spans_cover_every_signal_of_speech_padded_and_a_clean_span_is_not_suspicious():
    covered = segment(1.0, "i think the tent and the lake")  # words from 1.0 to 3.05 s
    spans = triage(channel(speech(10, (1.0, 3.05)), covered), CONTEXT, SETTINGS)
    assert [(round(s.start, 2), round(s.end, 2)) for s in spans] == [(0.8, 3.25)]
    assert spans[0].suspicion < 1.0


def test_each_cheap_signal_makes_a_span_suspicious():
    uncovered = triage(channel(speech(10, (1.0, 3.05), (5.0, 6.5))), CONTEXT, SETTINGS)  # no transcript at all
    assert all(s.reasons["uncovered"] >= 1.0 for s in uncovered)
    unheard = triage(channel(speech(10), segment(3.0, "they said nothing")), CONTEXT, SETTINGS)
    assert unheard[0].reasons["unheard"] >= 1.0
    unsure = triage(channel(speech(10, (1.0, 3.05)), segment(1.0, "i think the tent and the lake", score=0.3)),
                    CONTEXT, SETTINGS)
    assert unsure[0].reasons["low_score"] >= 1.0
    novel = triage(channel(speech(10, (1.0, 3.05)), segment(1.0, "i think the wrench salary and the villain")),
                   CONTEXT, SETTINGS)
    assert novel[0].reasons["novel"] >= 1.0


def spans(*suspicions: float, seconds: float = 2.0) -> list[Span]:
    return [Span(f"V00_S0001_I00000001_P{i:04d}", 0.0, seconds, {"uncovered": s})
            for i, s in enumerate(suspicions)]


def test_the_budget_caps_the_seconds_and_the_most_suspicious_go_first():
    candidates = spans(0.2, 3.0, 1.5, 0.9, 2.0, 1.1)
    chosen = select(candidates, audio_seconds=40.0, budget=0.15, calibration_fraction=0.0, seed=0)
    assert sum(s.seconds for s, _ in chosen) <= 0.15 * 40.0
    assert [s.suspicion for s, _ in chosen] == [3.0, 2.0, 1.5] and {why for _, why in chosen} == {SUSPICIOUS}


def test_calibration_draws_the_same_spans_every_run_whatever_their_suspicion():
    candidates = spans(*([0.0] * 200), seconds=0.1)
    first = select(candidates, 1000.0, 0.5, 0.1, seed=7)
    assert first == select(candidates, 1000.0, 0.5, 0.1, seed=7)
    assert 5 <= len(first) <= 40 and {why for _, why in first} == {CALIBRATION}
    assert first != select(candidates, 1000.0, 0.5, 0.1, seed=8)


def test_the_calibration_sample_comes_first_and_draws_suspicious_spans_too():
    """It is ASR's error floor: on talk in its own words nearly every span is suspicious, and a sample that
    yielded to suspicion came out empty."""
    candidates = spans(*([3.0] * 200), seconds=0.1)
    chosen = select(candidates, audio_seconds=10.0, budget=0.5, calibration_fraction=0.1, seed=7)
    reasons = [why for _, why in chosen]
    assert CALIBRATION in reasons and SUSPICIOUS in reasons
    assert reasons.index(SUSPICIOUS) == reasons.count(CALIBRATION)  # every drawn span before any suspicious one
    assert len({id(s) for s, _ in chosen}) == len(chosen)  # a drawn span is transcribed once


def test_a_budget_of_one_transcribes_every_span():
    candidates = spans(0.0, 0.5, 3.0)
    assert select(candidates, 1.0, 1.0, 0.0, 0) == [(s, EVERYTHING) for s in candidates]
