"""The per-file JSON (`metadata:transcript`, `metadata:vad`, `annotations:*`), read tolerantly.

Real files vary (optional transcripts, annotation schemas the public docs do not pin down), so accessors never
raise on shape: they return what they could read and list what they could not as `problems`, which rules report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from siqa.dataset.schema import ANNOTATION_TYPES, TRANSCRIPT_KEY, VAD_KEY


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    score: float | None = None


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str = ""
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Window:
    """A moment-of-interest window of one annotation entry."""

    annotation: str
    start: float
    end: float
    label: str = ""


@dataclass
class Parsed:
    items: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _times(entry: dict[str, Any]) -> tuple[float, float] | None:
    for start_key, end_key in (("start", "end"), ("start_time", "end_time")):
        start, end = _number(entry.get(start_key)), _number(entry.get(end_key))
        if start is not None and end is not None:
            return start, end
    return None


class Meta:
    """A view over one JSON document; `path` is the file it came from (for messages)."""

    def __init__(self, raw: dict[str, Any], path: str) -> None:
        self.raw = raw
        self.path = path

    @property
    def has_transcript(self) -> bool:
        return TRANSCRIPT_KEY in self.raw

    @property
    def has_vad(self) -> bool:
        return VAD_KEY in self.raw

    def vad(self) -> Parsed:
        return self._segments(VAD_KEY, with_words=False)

    def transcript(self) -> Parsed:
        return self._segments(TRANSCRIPT_KEY, with_words=True)

    def _segments(self, key: str, with_words: bool) -> Parsed:
        out = Parsed()
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            out.problems.append(f"{key} is {type(value).__name__}, expected a list")
            return out
        for i, entry in enumerate(value):
            times = _times(entry) if isinstance(entry, dict) else None
            if times is None:
                out.problems.append(f"{key}[{i}] has no numeric start/end")
                continue
            words: list[Word] = []
            if with_words:
                for j, w in enumerate(entry.get("words") or []):
                    wt = _times(w) if isinstance(w, dict) else None
                    if wt is None or not isinstance(w.get("word"), str):
                        out.problems.append(f"{key}[{i}].words[{j}] has no word text or numeric start/end")
                        continue
                    words.append(Word(w["word"], wt[0], wt[1], _number(w.get("score"))))
            text = entry.get("transcript", "") if with_words else ""
            out.items.append(Segment(times[0], times[1], text if isinstance(text, str) else "", tuple(words)))
        return out

    def annotation_keys(self) -> list[str]:
        return [k for k in self.raw if k.startswith("annotations:")]

    def windows(self) -> Parsed:
        """Every time window under every `annotations:*` entry, found wherever it nests."""
        out = Parsed()
        for key in self.annotation_keys():
            name = key.split(":", 1)[1]
            if name not in ANNOTATION_TYPES:
                out.problems.append(f"{key}: unknown annotation type (known: {', '.join(ANNOTATION_TYPES)})")
            found = _collect_windows(name, self.raw[key], depth=0)
            if not found:
                out.problems.append(f"{key}: no start/end window found")
            out.items.extend(found)
        return out


def _collect_windows(name: str, value: Any, depth: int) -> list[Window]:
    if depth > 8:
        return []
    if isinstance(value, dict):
        times = _times(value)
        if times is not None:
            label = next((str(value[k]) for k in ("label", "text", "description", "behavior") if k in value), "")
            return [Window(name, times[0], times[1], label)]
        return [w for v in value.values() for w in _collect_windows(name, v, depth + 1)]
    if isinstance(value, list):
        return [w for v in value for w in _collect_windows(name, v, depth + 1)]
    return []
