"""Turn-taking: two people talk about their prompt; each gets a clean speech track, a transcript and a VAD.

Times come from espeak-ng's word events, so the transcript is exact. VAD is derived like a 100 Hz VAD would be:
10 ms frames of the clean own-speech track above a level, with short pauses bridged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siqa.dataset.schema import SAMPLE_RATE
from siqa.synth.people import Person
from siqa.synth.speech import Utterance, speak
from siqa.synth.topics import BACKCHANNELS, Topic, sentence

VAD_DBFS = -50.0
VAD_BRIDGE_SECONDS = 0.3
VAD_MIN_SECONDS = 0.08


@dataclass
class Track:
    """One participant's own speech, before any mixing."""

    samples: np.ndarray
    segments: list[dict[str, Any]] = field(default_factory=list)

    def vad(self) -> list[dict[str, float]]:
        return vad_segments(self.samples)


def _place(track: Track, utterance: Utterance, start: float, gain: float, rng: np.random.Generator) -> None:
    first = int(round(start * SAMPLE_RATE))
    end = min(len(track.samples), first + len(utterance.samples))
    track.samples[first:end] += gain * utterance.samples[: end - first]
    words = [{"word": w.text, "start": round(start + w.start, 3), "end": round(start + w.end, 3),
              "score": round(float(rng.uniform(0.7, 0.99)), 3)} for w in utterance.words]
    track.segments.append({"start": words[0]["start"], "end": words[-1]["end"],
                           "transcript": " ".join(w["word"] for w in words), "words": words})


def _gain(utterance: Utterance, level_dbfs: float) -> float:
    rms = float(np.sqrt(np.mean(utterance.samples**2))) or 1.0
    return 10 ** (level_dbfs / 20) / rms


def converse(pair: tuple[Person, Person], topic: Topic, duration: float, speech_dbfs: float,
             rng: np.random.Generator) -> list[Track]:
    """Both tracks of at most `duration` seconds: 0.4-1 s of lead-in, turns, and 0.4-1 s after the last word."""
    n = int(round(duration * SAMPLE_RATE))
    tracks = [Track(np.zeros(n, np.float32)), Track(np.zeros(n, np.float32))]
    speaker, t = int(rng.integers(2)), float(rng.uniform(0.4, 1.0))
    while True:
        utterance = speak(sentence(topic, rng), pair[speaker].voice)
        if t + utterance.duration > duration - 0.5:
            break
        level = speech_dbfs + float(rng.uniform(-2, 2))
        _place(tracks[speaker], utterance, t, _gain(utterance, level), rng)
        listener = 1 - speaker
        if rng.random() < 0.2 and utterance.duration > 1.2:  # a backchannel overlapping the turn
            short = speak(str(rng.choice(BACKCHANNELS)), pair[listener].voice)
            _place(tracks[listener], short, t + utterance.duration * 0.5, _gain(short, level - 4), rng)
        t += utterance.duration + float(rng.uniform(0.25, 0.8))
        speaker = listener if rng.random() < 0.8 else speaker
    last = max((seg["end"] for track in tracks for seg in track.segments), default=duration - 0.5)
    end = min(n, int(round((last + float(rng.uniform(0.4, 1.0))) * SAMPLE_RATE)))  # the recording stops soon after
    for track in tracks:
        track.samples = track.samples[:end]
        track.segments.sort(key=lambda s: s["start"])
    return tracks


def vad_segments(samples: np.ndarray) -> list[dict[str, float]]:
    hop = SAMPLE_RATE // 100
    frames = samples[: len(samples) // hop * hop].reshape(-1, hop)
    with np.errstate(divide="ignore"):
        active = 20 * np.log10(np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-12) > VAD_DBFS
    edges = np.flatnonzero(np.diff(np.concatenate(([0], active.astype(np.int8), [0]))))
    runs = [[s / 100, e / 100] for s, e in zip(edges[::2], edges[1::2])]
    merged: list[list[float]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < VAD_BRIDGE_SECONDS:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [{"start": round(float(s), 2), "end": round(float(e), 2)} for s, e in merged if e - s >= VAD_MIN_SECONDS]
