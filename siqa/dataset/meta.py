"""The per-file JSON (`metadata:transcript`, `metadata:vad`, `annotations:*`), read tolerantly.

Real files vary (optional transcripts, annotation schemas the public docs do not pin down), so accessors never
raise on shape: they return what they could read and list what they could not as `problems`, which rules report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
    """A moment-of-interest window of one annotation entry, with where its numbers live (for fixes):
    `path` is the JSON path of the object (or pair list) holding them, `keys` its start and end members,
    `scale` the seconds per stored unit (0.001 for millisecond keys)."""

    annotation: str
    start: float
    end: float
    label: str = ""
    path: tuple[str, ...] = ()
    keys: tuple[str, str] = ("start", "end")
    scale: float = 1.0


@dataclass
class Parsed:
    items: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


MAX_SECONDS = 1e6
"""Times beyond ±11.6 days are no recording's times: they read as absent (a problem the rules report), so no rule
turns them into frame counts that overflow or allocate without bound."""


def _seconds(value: Any, scale: float = 1.0) -> float | None:
    number = _number(value)
    return number * scale if number is not None and abs(number * scale) <= MAX_SECONDS else None


def _times(entry: dict[str, Any]) -> tuple[float, float] | None:
    for start_key, end_key in (("start", "end"), ("start_time", "end_time")):
        start, end = _seconds(entry.get(start_key)), _seconds(entry.get(end_key))
        if start is not None and end is not None:
            return start, end
    return None


class Meta:
    """A view over one JSON document; `path` is the file it came from (for messages). Each part is parsed once:
    a dozen rules read the same transcript, and the parsed results are shared, to be read and never changed."""

    def __init__(self, raw: dict[str, Any], path: str) -> None:
        self.raw = raw
        self.path = path
        self._parsed: dict[str, Parsed] = {}

    @property
    def has_transcript(self) -> bool:
        return TRANSCRIPT_KEY in self.raw

    @property
    def has_vad(self) -> bool:
        return VAD_KEY in self.raw

    def vad(self) -> Parsed:
        return self._once(VAD_KEY, lambda: self._segments(VAD_KEY, with_words=False))

    def transcript(self) -> Parsed:
        return self._once(TRANSCRIPT_KEY, lambda: self._segments(TRANSCRIPT_KEY, with_words=True))

    def _once(self, part: str, parse: Callable[[], Parsed]) -> Parsed:
        if part not in self._parsed:
            self._parsed[part] = parse()
        return self._parsed[part]

    def _segments(self, key: str, with_words: bool) -> Parsed:
        out = Parsed()
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            out.problems.append(f"{key} is {type(value).__name__}, expected a list")
            return out
        for i, entry in enumerate(value):
            times = _times(entry) if isinstance(entry, dict) else None
            if times is None:
                out.problems.append(f"{key}[{i}] has no numeric start/end (within ±{MAX_SECONDS:g} s)")
                continue
            words: list[Word] = []
            text = entry.get("transcript", "") if with_words else ""
            if not isinstance(text, str):
                out.problems.append(f"{key}[{i}].transcript is {type(text).__name__}, expected text")
                text = ""
            listed = entry.get("words", []) if with_words else []
            if not isinstance(listed, list):
                out.problems.append(f"{key}[{i}].words is {type(listed).__name__}, expected a list")
                listed = []
            for j, w in enumerate(listed):
                wt = _times(w) if isinstance(w, dict) else None
                if wt is None or not isinstance(w.get("word"), str):
                    out.problems.append(f"{key}[{i}].words[{j}] has no word text or numeric start/end")
                    continue
                score = _number(w.get("score"))
                if score is None and w.get("score") is not None:
                    out.problems.append(f"{key}[{i}].words[{j}].score is not a finite number")
                words.append(Word(w["word"], wt[0], wt[1], score))
            out.items.append(Segment(times[0], times[1], text, tuple(words)))
        return out

    def annotation_keys(self) -> list[str]:
        return [k for k in self.raw if k.startswith("annotations:")]

    def windows(self) -> Parsed:
        """Every time window under every `annotations:*` entry, found wherever it nests; shapes that cannot be
        read (a scalar where windows should be, an object with a start but no numeric end) are `problems`."""
        return self._once("annotations:*", self._windows)

    def _windows(self) -> Parsed:
        out = Parsed()
        for key in self.annotation_keys():
            name = key.split(":", 1)[1]
            if name not in ANNOTATION_TYPES:
                out.problems.append(f"{key}: unknown annotation type (known: {', '.join(ANNOTATION_TYPES)})")
            value = self.raw[key]
            if not isinstance(value, (list, dict)):
                out.problems.append(f"{key} is {type(value).__name__}, expected a list or object of windows")
                continue
            known = len(out.problems)
            found = _collect_windows(name, value, (key,), out.problems)
            if not found and value and len(out.problems) == known:
                out.problems.append(f"{key}: no start/end window found")
            out.items.extend(found)
        return out


WINDOW_KEYS: tuple[tuple[str, str, float], ...] = (
    ("start", "end", 1.0), ("start_time", "end_time", 1.0), ("start_sec", "end_sec", 1.0), ("begin", "end", 1.0),
    ("onset", "offset", 1.0), ("start_ms", "end_ms", 0.001), ("start_time_ms", "end_time_ms", 0.001),
)
"""Start/end member pairs a window object may use, with the seconds per stored unit."""
PAIR_KEYS = ("span", "window", "interval", "segment", "time", "timestamp", "timestamps")
"""Members that may hold a window as a `[start, end]` list."""
LABEL_KEYS = ("label", "text", "description", "behavior", "behaviour")
MAX_DEPTH = 8


def _keyed_window(name: str, entry: dict[str, Any], label: str, path: tuple[str, ...]) -> Window | None:
    """The window of the first start/end member pair that both hold times."""
    for start_key, end_key, scale in WINDOW_KEYS:
        start, end = _seconds(entry.get(start_key), scale), _seconds(entry.get(end_key), scale)
        if start is not None and end is not None:
            return Window(name, start, end, label, path, (start_key, end_key), scale)
    return None


def _pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_seconds(v) is not None for v in value)


def _collect_windows(name: str, value: Any, path: tuple[str, ...], problems: list[str]) -> list[Window]:
    where = "/".join(path)
    if len(path) > MAX_DEPTH:
        problems.append(f"{where}: nested deeper than {MAX_DEPTH} levels")
        return []
    if isinstance(value, list):
        if any(isinstance(v, (dict, list)) for v in value):
            for i, v in enumerate(value):
                if not isinstance(v, (dict, list)):
                    problems.append(f"{where}/{i} is {type(v).__name__}, expected an object with start/end")
        return [w for i, v in enumerate(value) if isinstance(v, (dict, list))
                for w in _item_windows(name, v, (*path, str(i)), problems)]
    if not isinstance(value, dict):
        return []
    label = next((str(value[k]) for k in LABEL_KEYS if k in value), "")
    keyed = _keyed_window(name, value, label, path)
    if keyed is not None:
        return [keyed]
    pair_key = next((k for k in PAIR_KEYS if _pair(value.get(k))), None)
    if pair_key is not None:
        return [_pair_window(name, value[pair_key], label, (*path, pair_key))]
    named = [k for s, e, _ in WINDOW_KEYS for k in (s, e) if k in value]
    if named:
        problems.append(f"{where}: {', '.join(sorted(set(named)))} without a numeric start/end pair")
        return []
    return [w for k, v in value.items() if isinstance(v, (dict, list))
            for w in _collect_windows(name, v, (*path, k), problems)]


def _item_windows(name: str, item: Any, path: tuple[str, ...], problems: list[str]) -> list[Window]:
    """A list item: a `[start, end]` pair is a window of its own; anything else is searched."""
    if _pair(item):
        return [_pair_window(name, item, "", path)]
    return _collect_windows(name, item, path, problems)


def _pair_window(name: str, pair: list[Any], label: str, path: tuple[str, ...]) -> Window:
    return Window(name, float(pair[0]), float(pair[1]), label, path, ("0", "1"))
