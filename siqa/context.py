"""What a rule sees while it checks one unit: its settings, the shared signal cache, and a finding factory.

`RuleContext.report` fills in everything a finding inherits from its unit and rule (code, scope, keys, site,
severity), so a rule states only what it measured.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from siqa.config import RuleSet, RuleSettings
from siqa.dataset.batch import BatchIndex
from siqa.dataset.units import Interaction, ParticipantFile, Session
from siqa.findings import Finding, Fix, Scope, Severity, bounded_confidence
from siqa.norms import Candidate
from siqa.registry import Rule

T = TypeVar("T")


class Skip(Exception):
    """A rule cannot judge this unit (missing modality, unreadable input, too little speech); the reason is kept."""


@dataclass
class SignalCache:
    """Signals computed once per unit and shared by every rule that needs them (decoded audio, activity, ASR).

    Lives for one task (a session); entries are dropped with `release` when an interaction is done.
    """

    values: dict[tuple[str, str], Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # CPU seconds computing each
    _nested: float = 0.0  # seconds of signals computed inside the one being computed

    def get(self, name: str, key: str, compute: Callable[[], T]) -> T:
        """The signal, computed on first use; its CPU time is counted to the signal (a signal computed inside
        another counts to itself only), so that rule timings measure each rule and not who asked first."""
        slot = (name, key)
        if slot not in self.values:
            started, outer, self._nested = time.process_time(), self._nested, 0.0
            try:
                self.values[slot] = compute()
            finally:
                spent = time.process_time() - started
                self.seconds[name] += spent - self._nested
                self._nested = outer + spent
        return self.values[slot]

    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def release(self, key: str) -> None:
        for slot in [s for s in self.values if s[1] == key]:
            del self.values[slot]


@dataclass
class BatchInfo:
    label: str
    split: str
    batch: str
    tables: Any = None

    @property
    def name(self) -> str:
        return f"{self.label}/{self.split}/{self.batch}"


Unit = ParticipantFile | Interaction | Session | BatchInfo | BatchIndex  # BatchIndex: what batch-scope rules check


def unit_fields(unit: Unit) -> dict[str, Any]:
    """The keys and site a finding about `unit` carries."""
    if isinstance(unit, ParticipantFile):
        fid = unit.file_id
        return {"scope": Scope.FILE, "file_id": str(fid), "interaction_key": fid.interaction_key,
                "session_key": fid.session_key, "site": fid.site}
    if isinstance(unit, Interaction):
        return {"scope": Scope.INTERACTION, "interaction_key": unit.key, "session_key": unit.session_key,
                "site": unit.site}
    if isinstance(unit, Session):
        return {"scope": Scope.SESSION, "session_key": unit.key, "site": unit.site}
    return {"scope": Scope.BATCH, "site": "*"}


def unit_id(fields: dict[str, Any]) -> str | None:
    """The most specific key among a unit's fields: the file id, else the interaction's, else the session's."""
    return fields.get("file_id") or fields.get("interaction_key") or fields.get("session_key")


def metric_record(code: str, batch: str, fields: dict[str, Any], metric: str, value: float) -> dict[str, Any]:
    """One line of `metrics.jsonl`: a rule's measurement of the unit whose fields (scope, site, keys) are given."""
    return {"code": code, "metric": metric, "value": float(value), "site": fields["site"], "batch": batch,
            "scope": Scope(fields["scope"]).value, "unit": unit_id(fields)}


def skip_record(code: str, unit: Unit, reason: str) -> dict[str, Any]:
    fields = unit_fields(unit)
    return {"code": code, "scope": fields["scope"].value, "site": fields["site"], "unit": unit_id(fields),
            "reason": reason}


@dataclass
class RuleContext:
    rule: Rule
    settings: RuleSettings
    batch: BatchInfo
    signals: SignalCache
    ruleset: RuleSet
    metrics: list[dict[str, Any]] = field(default_factory=list)
    cache_dir: Path | None = None  # the audit's cache folder (`<out>/.siqa-cache`); None with --no-cache
    collected: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def skip(self, unit: Unit, reason: str) -> None:
        """Record that this rule cannot judge `unit` (one channel of an interaction it judges otherwise): the
        reason lands in `skips.jsonl` and the summary, as a `Skip` raised for the whole unit does."""
        self.skipped.append(skip_record(self.rule.code, unit, reason))

    def collect(self, channel: str, record: dict[str, Any]) -> None:
        """Hand a JSON-friendly record to a release-wide pass (identity fingerprints, read by `channel`): it comes
        back with the task's findings and is cached with them, so a re-run returns it without recomputing."""
        self.collected.setdefault(channel, []).append(record)

    def measure(self, unit: Unit, name: str, value: float) -> None:
        """Record a measured quantity for every unit, flagged or not (bleed level, SNR): per-site distributions
        and trends need the clean units too, not only the findings."""
        self.metrics.append(metric_record(self.rule.code, self.batch.name, unit_fields(unit), name, value))

    def signal_settings(self, name: str, site: str) -> dict[str, Any]:
        return self.ruleset.signal(name, site=site, label=self.batch.label)

    def report(
        self,
        unit: Unit,
        message: str,
        *,
        confidence: float = 1.0,
        span: tuple[float, float] | None = None,
        evidence: dict[str, Any] | None = None,
        fix: Fix | None = None,
        path: str | None = None,
        severity: Severity | None = None,
        **overrides: Any,
    ) -> Finding:
        fields: dict[str, Any] = {
            "code": self.rule.code,
            "severity": severity or self.settings.severity,
            "confidence": bounded_confidence(confidence),
            "message": message,
            "batch": self.batch.name,
            "path": path,
            "span": (round(span[0], 3), round(span[1], 3)) if span is not None else None,
            "evidence": evidence or {},
            "fix": fix,
            **unit_fields(unit),
        }
        return Finding(**{**fields, **overrides})

    def candidate(self, unit: Unit, message: str, *, metric: str, value: float, side: str, label: str,
                  unit_name: str = "", reference: str | None = None, **report: Any) -> Candidate:
        """A finding to report only if `value` is unusual for the unit's site (`siqa.norms`); the value is
        recorded as the `metric` measurement too, so the distribution holds every unit, flagged or not."""
        if reference is None:
            self.measure(unit, metric, value)
        return Candidate(self.report(unit, message, **report), metric, float(value), side, label, unit_name,
                         reference)
