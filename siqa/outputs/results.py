"""What auditing one session (or a batch's rules) yields: the records the output folder's files are written from.

A task's result crosses processes (a worker, a Ray task) and the result cache, so it is plain data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from siqa.findings import Finding
from siqa.norms import Candidate


@dataclass
class TaskResult:
    key: str
    findings: list[Finding] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)  # judged against the batch once it is done
    skips: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    collected: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # RuleContext.collect, by channel
    files: int = 0
    interactions: int = 0
    audio_seconds: float = 0.0
    rule_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # and "signal:<name>"
    cached: int = 0
    new_cache: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    peak_rss_mb: float = 0.0  # the worker process's peak resident memory so far


def gather(into: dict[str, list[dict[str, Any]]], records: dict[str, list[dict[str, Any]]]) -> None:
    for channel, rows in records.items():
        into.setdefault(channel, []).extend(rows)
