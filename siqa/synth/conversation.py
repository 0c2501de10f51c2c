"""Turn-taking: two people talk about their prompt; each gets a clean speech track, a transcript and a VAD.

Times come from espeak-ng's word events, so the transcript is exact. VAD is derived like a 100 Hz VAD would be:
10 ms frames of the clean own-speech track above a level set by the speaker's own level, short pauses bridged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from siqa.dataset.schema import SAMPLE_RATE
from siqa.synth.people import Person
from siqa.synth.speech import Utterance, Voice, speak
from siqa.synth.topics import BACKCHANNELS, Topic, lines
from siqa.synth.variation import Variation

VAD_DBFS = -50.0  # the VAD's level for speech at the sites' nominal levels (-18 to -22 dBFS) ...
VAD_BELOW_SPEECH_DB = 28.0  # ... and this far below a quieter speaker's level, as a VAD is level-independent
VAD_BRIDGE_SECONDS = 0.3
VAD_MIN_SECONDS = 0.08
SENTENCE_LEVEL_DB = 2.0  # one sentence's level within +-this of its speaker's
SHORTEST_SPOKEN = 0.6  # espeak-ng says a sentence in no less than this share of its words at the nominal rate
HEADROOM_SHARE = 0.8  # a sentence peaks below this share of the ceiling: overlaps, bleed and room tone add


@dataclass
class Track:
    """One participant's own speech, before any mixing."""

    samples: np.ndarray
    segments: list[dict[str, Any]] = field(default_factory=list)


def _place(track: Track, utterance: Utterance, start: float, gain: float, rng: np.random.Generator) -> None:
    first = int(round(start * SAMPLE_RATE))
    end = min(len(track.samples), first + len(utterance.samples))
    track.samples[first:end] += gain * utterance.samples[: end - first]
    words: list[dict[str, Any]] = [
        {"word": w.text, "start": round(start + w.start, 3), "end": round(start + w.end, 3),
         "score": round(float(rng.uniform(0.7, 0.99)), 3)} for w in utterance.words]
    track.segments.append({"start": words[0]["start"], "end": words[-1]["end"],
                           "transcript": " ".join(w["word"] for w in words), "words": words})


def sentence_ceiling(variation: Variation) -> float | None:
    """The peak one sentence may reach under `variation`'s ceiling (None: unguarded)."""
    return None if variation.peak_ceiling is None else variation.peak_ceiling * HEADROOM_SHARE


def _gain(utterance: Utterance, level_dbfs: float, ceiling: float | None) -> float:
    """The gain that puts `utterance` at `level_dbfs`, lowered where its peak would pass `ceiling`."""
    rms = float(np.sqrt(np.mean(utterance.samples**2))) or 1.0
    gain = 10 ** (level_dbfs / 20) / rms
    peak = float(np.max(np.abs(utterance.samples), initial=0.0))
    return min(gain, ceiling / peak) if ceiling and peak else gain


def _turn_voice(voice: Voice, variation: Variation, rng: np.random.Generator) -> Voice:
    if variation.rate_jitter <= 0:
        return voice
    jitter = rng.uniform(-variation.rate_jitter, variation.rate_jitter)
    return replace(voice, rate=int(round(voice.rate * (1 + jitter))))


def _fitting(talk: Iterator[str], voice: Voice, room: float, tries: int) -> Utterance | None:
    """The first of the next `tries` sentences that fits in `room` seconds, if any. With several tries, one that
    plainly cannot fit at the voice's rate is passed over without synthesising it."""
    for _ in range(tries):
        text = next(talk)
        if tries > 1 and SHORTEST_SPOKEN * len(text.split()) * 60 / voice.rate > room:
            continue
        utterance = speak(text, voice)
        if utterance.duration <= room:
            return utterance
    return None


def _turn(tracks: list[Track], pair: tuple[Person, Person], speaker: int, start: float, talk: Iterator[str],
          levels: tuple[float, float], duration: float, variation: Variation,
          rng: np.random.Generator) -> float | None:
    """One turn of `speaker` from `start`: sentences until the turn has run its length (the listener sometimes
    backchannels). Returns when the next turn starts, or None where the next sentence no longer fits. Until the
    listener has said something a turn is one sentence, so that both speak in a short interaction too."""
    target = variation.turn_seconds(duration, rng) if tracks[1 - speaker].segments else 0.0
    voice = _turn_voice(pair[speaker].voice, variation, rng)
    ceiling = sentence_ceiling(variation)
    listener, t = 1 - speaker, start
    while True:
        utterance = _fitting(talk, voice, duration - variation.end_margin - t, variation.fit_tries)
        if utterance is None:
            return None
        jitter = float(rng.uniform(-SENTENCE_LEVEL_DB, SENTENCE_LEVEL_DB))
        _place(tracks[speaker], utterance, t, _gain(utterance, levels[speaker] + jitter, ceiling), rng)
        if rng.random() < 0.2 and utterance.duration > 1.2:  # a backchannel overlapping the sentence
            short = speak(str(rng.choice(BACKCHANNELS)), pair[listener].voice)
            _place(tracks[listener], short, t + utterance.duration * 0.5,
                   _gain(short, levels[listener] + jitter - 4, ceiling), rng)
        if t + utterance.duration - start >= target:  # one step, so that `NONE` adds times as it always did
            return t + (utterance.duration + variation.gap_seconds(duration, rng))
        t += utterance.duration + float(rng.uniform(*variation.pause))


def converse(pair: tuple[Person, Person], topic: Topic, duration: float, levels: tuple[float, float],
             variation: Variation, rng: np.random.Generator) -> list[Track]:
    """Both tracks of at most `duration` seconds: a lead-in, turns, and a tail after the last word.
    `levels`: each person's speech level (dBFS)."""
    n = int(round(duration * SAMPLE_RATE))
    tracks = [Track(np.zeros(n, np.float32)), Track(np.zeros(n, np.float32))]
    talk = lines(topic, variation.paraphrase, rng)
    t: float | None  # when the next turn starts; None once no sentence fits
    speaker, t = int(rng.integers(2)), variation.edge(variation.lead_in, duration, rng)
    while (t := _turn(tracks, pair, speaker, t, talk, levels, duration, variation, rng)) is not None:
        speaker = 1 - speaker if rng.random() < variation.switch else speaker
    last = max((seg["end"] for track in tracks for seg in track.segments), default=duration - variation.end_margin)
    end = min(n, int(round((last + variation.edge(variation.tail, duration, rng)) * SAMPLE_RATE)))
    for track in tracks:
        track.samples = track.samples[:end]
        track.segments.sort(key=lambda s: s["start"])
    return tracks


def vad_segments(samples: np.ndarray, speech_dbfs: float) -> list[dict[str, float]]:
    """Speech segments of a clean own-speech track whose speaker talks at `speech_dbfs`."""
    hop = SAMPLE_RATE // 100
    frames = samples[: len(samples) // hop * hop].reshape(-1, hop)
    threshold = min(VAD_DBFS, speech_dbfs - VAD_BELOW_SPEECH_DB)
    with np.errstate(divide="ignore"):
        active = 20 * np.log10(np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-12) > threshold
    edges = np.flatnonzero(np.diff(np.concatenate(([0], active.astype(np.int8), [0]))))
    runs = [[s / 100, e / 100] for s, e in zip(edges[::2], edges[1::2])]
    merged: list[list[float]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < VAD_BRIDGE_SECONDS:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [{"start": round(float(s), 2), "end": round(float(e), 2)} for s, e in merged if e - s >= VAD_MIN_SECONDS]
