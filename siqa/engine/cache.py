"""Incremental result cache: per (rule, unit), keyed by what the result depends on.

A key hashes the rule's code and version, its resolved settings, the unit's key, and the content digests of
every modality the rule reads for every file of the unit. A re-run reuses a cached result whenever none of
those changed, so a changed rule recomputes only its own results and a changed file only the rules that read it.

Storage is SQLite in the output folder: each finished task commits once, so a run killed at any moment keeps
every task it finished and loses none (a half-done task is simply recomputed). Only the main process writes;
workers open the database read-only.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from siqa.config import RuleSettings
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction, ParticipantFile, Session
from siqa.registry import Rule

CACHE_FILE = "cache.sqlite"
SCHEMA = "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, payload TEXT NOT NULL)"


def _files(unit: Any) -> list[ParticipantFile]:
    if isinstance(unit, ParticipantFile):
        return [unit]
    if isinstance(unit, Interaction):
        return list(unit.participants)
    if isinstance(unit, Session):
        return [pf for interaction in unit.interactions for pf in interaction.participants]
    return []


def _digest(pf: ParticipantFile, modality: str) -> str:
    if not pf.has(modality):
        return "absent"
    try:
        return pf.source.content_digest(modality)
    except ReadError as error:
        return f"unreadable:{error.reason}"


def result_key(rule: Rule, settings: RuleSettings, unit: Any, unit_key: str, extra: dict[str, Any]) -> str:
    """`extra` carries settings outside the rule's own section that its result depends on (shared signals)."""
    reads = rule.reads or ("wav", "mp4", "json", "npz")
    material = {
        "rule": [rule.code, rule.version], "settings": settings.values, "severity": settings.severity.value,
        "unit": unit_key, "extra": extra,
        "inputs": [[str(pf.file_id), m, _digest(pf, m)] for pf in _files(unit) for m in reads],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


class ResultCache:
    def __init__(self, folder: Path, writable: bool) -> None:
        self.path = folder / CACHE_FILE
        self._db: sqlite3.Connection | None
        if writable:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
            self._db.commit()
        else:
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) if self.path.exists() else None

    def get(self, key: str) -> dict[str, Any] | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT payload FROM results WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:  # a cache created after this reader opened: treat as a miss
            return None
        return json.loads(row[0]) if row else None

    def put_many(self, entries: Iterable[tuple[str, dict[str, Any]]]) -> None:
        assert self._db is not None
        with self._db:  # one transaction: a task's results land together or not at all
            self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?)",
                                 ((k, json.dumps(v, sort_keys=True, default=str)) for k, v in entries))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
