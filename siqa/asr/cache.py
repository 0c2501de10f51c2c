"""ASR results keyed by what they depend on: the span's 16 kHz samples, the model, and the decoding settings.

The key is the SHA-256 of the span's float32 bytes plus the model id and decoding settings, so a re-run (another
threshold, another rule selection, a resumed run) never transcribes the same audio with the same model twice,
whatever the rest of the audit does. Storage is SQLite beside the audit's result cache (`<out>/.siqa-cache/
asr.sqlite`); unlike that cache, workers write here directly: every entry is a content-addressed fact, so
concurrent writers cannot disagree and WAL mode lets them queue. Counters record what the backend was asked to do
and what the cache answered, for the audit's cost accounting and the benchmark.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np

from siqa.asr.backend import AsrWord

CACHE_FILE = "asr.sqlite"
SCHEMA = ("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, seconds REAL NOT NULL, words TEXT NOT NULL)",
          "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value REAL NOT NULL)")
COUNTERS = ("transcribed_clips", "transcribed_seconds", "compute_seconds", "cpu_seconds", "load_seconds",
            "cached_clips", "cached_seconds")


def clip_key(clip: np.ndarray, model_id: str, decoding: dict[str, Any]) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(clip, dtype="<f4").tobytes())
    digest.update(json.dumps({"model": model_id, **decoding}, sort_keys=True).encode())
    return digest.hexdigest()


def _encode(words: list[AsrWord]) -> str:
    return json.dumps([[w.word, round(w.start, 3), round(w.end, 3), round(w.probability, 4)] for w in words])


def _decode(text: str) -> list[AsrWord]:
    return [AsrWord(str(w), float(s), float(e), float(p)) for w, s, e, p in json.loads(text)]


class AsrCache:
    """One per process and folder (`open_cache`); `folder=None` keeps nothing (an audit run with --no-cache)."""

    def __init__(self, folder: Path | None) -> None:
        self.counts: Counter[str] = Counter()
        self._db: sqlite3.Connection | None = None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(folder / CACHE_FILE, timeout=120)
            self._db.execute("PRAGMA journal_mode=WAL")
            with self._db:
                for statement in SCHEMA:
                    self._db.execute(statement)

    def get_many(self, keys: Iterable[str]) -> dict[str, list[AsrWord]]:
        if self._db is None:
            return {}
        keys = list(dict.fromkeys(keys))
        found: dict[str, list[AsrWord]] = {}
        for i in range(0, len(keys), 500):  # SQLite caps the number of parameters of one statement
            chunk = keys[i:i + 500]
            rows = self._db.execute(f"SELECT key, words FROM results WHERE key IN ({','.join('?' * len(chunk))})",
                                    chunk).fetchall()
            found.update({key: _decode(words) for key, words in rows})
        return found

    def record(self, transcribed: list[tuple[str, float, list[AsrWord]]], compute_seconds: float,
               cached_seconds: Iterable[float], load_seconds: float = 0.0, cpu_seconds: float = 0.0) -> None:
        """Store new results and count the work: (key, seconds, words) transcribed in `compute_seconds` of wall
        time and `cpu_seconds` of this process's CPU time, the seconds answered from the cache, the time spent
        loading the model."""
        cached = list(cached_seconds)
        counts = {"transcribed_clips": len(transcribed), "transcribed_seconds": sum(s for _, s, _ in transcribed),
                  "compute_seconds": compute_seconds, "cpu_seconds": cpu_seconds, "load_seconds": load_seconds,
                  "cached_clips": len(cached), "cached_seconds": sum(cached)}
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        self.counts.update(counts)
        if self._db is None:
            return
        try:
            with self._db:  # one transaction: results and counters land together
                self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                                     ((k, s, _encode(w)) for k, s, w in transcribed))
                self._db.executemany("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                                     "value = value + excluded.value", counts.items())
        except sqlite3.OperationalError:  # locked past the timeout: these results are not kept, the audit goes on
            pass


_OPEN: dict[str, AsrCache] = {}


def open_cache(folder: Path | None) -> AsrCache:
    """The process's cache for `folder`. A folder where SQLite cannot work (a network file system without the
    shared memory WAL needs, a read-only disk) costs re-transcription, never the audit: nothing is kept there."""
    key = str(folder)
    if key not in _OPEN:
        try:
            _OPEN[key] = AsrCache(folder)
        except (sqlite3.Error, OSError):
            _OPEN[key] = AsrCache(None)
    return _OPEN[key]


def read_stats(folder: Path) -> dict[str, float]:
    """The counters of the ASR cache in an audit's cache folder (`<out>/.siqa-cache`): zeros when it has none."""
    stats = dict.fromkeys(COUNTERS, 0.0)
    path = folder / CACHE_FILE
    if path.exists():
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            stats.update(dict(db.execute("SELECT name, value FROM counters").fetchall()))
    return stats
