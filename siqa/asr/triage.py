"""Where ASR pays: candidate spans per channel, how suspicious cheap signals find each, and a budgeted choice.

ASR is the audit's most expensive step, and on most of a release the cheap signals agree with each other: the
transcript covers the acoustic speech, its words sit on speech, its scores are high, its words fit the rest of the
conversation. A span is *suspicious* (those signals are inconclusive) when any of them disagrees:

    uncovered   own speech (acoustic activity) outside every transcript segment: missing or cut transcript
    unheard     transcript words over no own speech: invented words, or the partner's
    low_score   a low mean word score: the transcriber itself was unsure
    novel       content words found nowhere else in the interaction nor in its prompt: misheard words

Each is divided by its threshold (`[signals.asr_triage]`), so 1.0 means "at the threshold"; a span's suspicion
is the largest. A session may spend `budget` of its audio seconds: first on a calibration sample of all spans,
whatever their suspicion (each with probability `calibration_fraction`, drawn from a hash of the seed and the
span, so the same spans are drawn on every run and every site is sampled alike), then on the suspicious spans,
most suspicious first. The sample is ASR's own error floor at the site, which TR001 judges against, so it never
yields to suspicion: on talk in its own words nearly every span has words found nowhere else, and a sample
drawn only from unsuspicious spans, transcribed only where suspicion left room, came out empty. `budget >= 1`
transcribes every span.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siqa.dataset.meta import Segment
from siqa.signals.activity import FRAME_SECONDS
from siqa.signals.activity import spans as runs
from siqa.signals.lexicon import content_words

SUSPICIOUS, CALIBRATION, EVERYTHING = "suspicious", "calibration", "everything"


@dataclass(frozen=True)
class TriageSettings:
    merge_gap_seconds: float  # speech closer than this is one span
    pad_seconds: float  # silence kept around a span
    max_span_seconds: float  # longer spans are split (a Whisper window is 30 s)
    segment_tolerance_seconds: float  # slack of transcript segment edges against acoustic speech
    uncovered_seconds: float
    unheard_share: float  # a word with less own speech than this share is unheard
    unheard_words: int
    min_mean_score: float
    novel_words: int

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TriageSettings:
        return cls(**values)


@dataclass(frozen=True)
class ChannelEvidence:
    """What triage reads of one channel, in audio time (transcript and VAD already moved by the file's offset)."""

    file_id: str
    duration: float
    speech: np.ndarray  # own speech per 10 ms frame
    segments: tuple[Segment, ...]
    vad: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Span:
    file_id: str
    start: float
    end: float
    reasons: dict[str, float] = field(default_factory=dict)  # cheap signal -> its value over its threshold

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def suspicion(self) -> float:
        return max(self.reasons.values(), default=0.0)


def _merge(intervals: Iterable[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start - merged[-1][1] < gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _split(start: float, end: float, longest: float, speech: np.ndarray) -> list[tuple[float, float]]:
    """Pieces of at most `longest` seconds, cut at the quietest moment of the last third of each piece."""
    pieces = []
    while end - start > longest:
        low, high = int((start + longest * 2 / 3) / FRAME_SECONDS), int((start + longest) / FRAME_SECONDS)
        window = speech[low:high]
        quiet = np.flatnonzero(~window) if window.size else np.array([], int)
        cut = (low + int(quiet[len(quiet) // 2])) * FRAME_SECONDS if quiet.size else start + longest
        pieces.append((start, cut))
        start = cut
    return [*pieces, (start, end)]


def _cut(intervals: list[tuple[float, float]], cuts: list[float]) -> list[tuple[float, float]]:
    """Intervals cut at the given times (between two transcript segments: one span per segment)."""
    out = []
    for start, end in intervals:
        inside = sorted(c for c in cuts if start < c < end)
        out += list(zip([start, *inside], [*inside, end]))
    return out


def candidate_spans(channel: ChannelEvidence, settings: TriageSettings) -> list[tuple[float, float]]:
    """Every stretch any signal calls this participant's speech (acoustic activity, transcript, VAD), merged,
    cut between transcript segments, padded, and cut to fit a Whisper window. Outside them the channel has no
    own speech, so ASR words there would be discarded anyway (`[signals.asr] min_own_speech_share`): they are
    never transcribed."""
    merged = _merge([*runs(channel.speech, 1), *((s.start, s.end) for s in channel.segments), *channel.vad],
                    settings.merge_gap_seconds)
    cuts = [(a.end + b.start) / 2 for a, b in zip(channel.segments, channel.segments[1:]) if a.end < b.start]
    marked = [(max(0.0, s), min(channel.duration, e)) for s, e in _cut(merged, cuts)
              if e > 0 and s < channel.duration]
    bounds = [0.0, *((a[1] + b[0]) / 2 for a, b in zip(marked, marked[1:])), channel.duration]
    padded = [(max(bounds[i], s - settings.pad_seconds), min(bounds[i + 1], e + settings.pad_seconds))
              for i, (s, e) in enumerate(marked)]  # padding stops halfway to the next span: spans stay apart
    return [piece for start, end in padded
            for piece in _split(start, end, settings.max_span_seconds, channel.speech)]


def speech_share(speech: np.ndarray, start: float, end: float) -> float:
    """Share of own-speech frames between two times (0 outside the recording)."""
    a, b = max(0, int(start / FRAME_SECONDS)), min(len(speech), int(np.ceil(end / FRAME_SECONDS)))
    return float(speech[a:b].mean()) if b > a else 0.0


def _reasons(channel: ChannelEvidence, start: float, end: float, context: Counter[str],
             settings: TriageSettings) -> dict[str, float]:
    inside = [s for s in channel.segments if start <= (s.start + s.end) / 2 < end]
    words = [w for s in inside for w in s.words]
    a, b = int(start / FRAME_SECONDS), int(np.ceil(end / FRAME_SECONDS))
    own = channel.speech[a:b].copy()
    tolerance = settings.segment_tolerance_seconds
    for seg in channel.segments:
        low = int((seg.start - tolerance) / FRAME_SECONDS) - a
        high = int((seg.end + tolerance) / FRAME_SECONDS) - a
        own[max(0, low):max(0, high)] = False
    reasons = {"uncovered": float(own.sum()) * FRAME_SECONDS / settings.uncovered_seconds}
    unheard = sum(speech_share(channel.speech, w.start - tolerance, w.end + tolerance) < settings.unheard_share
                  for w in words)
    reasons["unheard"] = unheard / settings.unheard_words
    scores = [w.score for w in words if w.score is not None]
    if scores:
        reasons["low_score"] = (1.0 - float(np.mean(scores))) / (1.0 - settings.min_mean_score)
    own_words = Counter(t for s in inside for t in content_words(s.text or " ".join(w.word for w in s.words)))
    reasons["novel"] = sum(1 for t, n in own_words.items() if context[t] <= n) / settings.novel_words
    return {k: round(v, 3) for k, v in reasons.items() if v > 0}


def triage(channel: ChannelEvidence, context: Counter[str], settings: TriageSettings) -> list[Span]:
    """Every candidate span of the channel with its cheap signals; `context` counts the content words of the
    whole interaction's transcripts and its prompt."""
    return [Span(channel.file_id, s, e, _reasons(channel, s, e, context, settings))
            for s, e in candidate_spans(channel, settings)]


def _draw(seed: int, span: Span) -> float:
    """A uniform number in [0, 1) fixed by the seed and the span: the same sample on every run."""
    digest = hashlib.sha256(f"{seed}:{span.file_id}:{span.start:.2f}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def select(spans: list[Span], audio_seconds: float, budget: float, calibration_fraction: float,
           seed: int) -> list[tuple[Span, str]]:
    """The spans to transcribe and why, at most `budget * audio_seconds` seconds unless budget >= 1."""
    if budget >= 1.0:
        return [(s, EVERYTHING) for s in spans]
    calibration = [s for s in spans if _draw(seed, s) < calibration_fraction]
    drawn = set(map(id, calibration))
    suspicious = sorted((s for s in spans if s.suspicion >= 1.0 and id(s) not in drawn),
                        key=lambda s: (-s.suspicion, s.file_id, s.start))
    chosen, spent, allowed = [], 0.0, budget * audio_seconds
    for span, why in [*((s, CALIBRATION) for s in calibration), *((s, SUSPICIOUS) for s in suspicious)]:
        if spent + span.seconds <= allowed:
            chosen.append((span, why))
            spent += span.seconds
    return chosen
