"""What an ASR backend is, what it returns, and how one is chosen from `[signals.asr]`.

A backend turns clips (16 kHz mono float32, each at most one 30 s window) into timed words, and says how well a
given text explains a clip (the transcript rules ask whether ASR merely misheard, or the text is not what was
said). Everything else
(which spans to transcribe, caching, comparing with the transcript) is backend-independent, so adding a backend
means implementing `transcribe` and `plausibility` and naming it in `siqa.asr.factory.load_backend`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np

from siqa.config import ConfigError

BACKENDS = ("faster-whisper", "none")


class AsrUnavailable(Exception):
    """No ASR can run (switched off, the extra or the model missing); rules that need it skip with this reason."""


@dataclass(frozen=True)
class AsrWord:
    word: str
    start: float  # seconds from the clip's start (or, once placed, in the file's audio time)
    end: float
    probability: float

    def moved(self, seconds: float) -> AsrWord:
        return AsrWord(self.word, self.start + seconds, self.end + seconds, self.probability)

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


@dataclass(frozen=True)
class AsrSettings:
    """`[signals.asr]`: the backend and its decoding, and how much audio triage may send to it."""

    backend: str
    model: str
    device: str
    compute_type: str
    language: str
    beam_size: int
    batch_size: int
    cpu_threads: int
    budget: float  # share of a session's audio seconds ASR may transcribe; 1.0 transcribes everything
    calibration_fraction: float  # share of speech spans drawn at random, whatever their suspicion
    seed: int
    min_own_speech_share: float  # an ASR word counts as this channel's when this share of it is own speech

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> AsrSettings:
        names = {f.name for f in fields(cls)}
        missing, unknown = names - set(values), set(values) - names
        if missing or unknown:
            raise ConfigError(f"[signals.asr]: missing {sorted(missing)}, unknown {sorted(unknown)}")
        if values["backend"] not in BACKENDS:
            raise ConfigError(f"[signals.asr] backend {values['backend']!r}: one of {', '.join(BACKENDS)}")
        return cls(**values)

    def decoding(self) -> dict[str, Any]:
        """The settings that change the words a model outputs: part of every cache key."""
        return {"device": self.device, "compute_type": self.compute_type, "language": self.language,
                "beam_size": self.beam_size}


class AsrBackend(Protocol):
    model_id: str  # names the model's weights; part of every cache key

    def load(self) -> None:
        """Load the model now (once per process); raises AsrUnavailable when it cannot be."""
        ...

    def transcribe(self, clips: Sequence[np.ndarray]) -> list[list[AsrWord]]:
        """Words of each clip (16 kHz mono float32), times from the clip's start."""
        ...

    def plausibility(self, clips: Sequence[np.ndarray], texts: Sequence[Sequence[str]]) -> list[list[float]]:
        """How well each of a clip's texts explains it: the mean log-probability per token the model gives the
        text's tokens when forced to read them there (teacher forcing); NaN for an empty text. Every clip comes
        with the same number of texts, scored over one reading of the clip."""
        ...
