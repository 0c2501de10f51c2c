"""Rules that judge a unit only once they have seen the whole batch.

Some measures mean nothing alone: whether an interaction's talk fits its prompt depends on how the other
interactions that carry that prompt talk, in this release, since real talk shares few words with a one-line
prompt. Such a rule collects a JSON record per unit in the first pass (`RuleContext.collect(<its code>, ...)`,
cached with its results), and registers a *batch pass* under its code: once every session of the batch is done,
the pass receives every record of the batch and returns findings, candidates (then judged against the batch's
distribution like any other, `siqa.norms`) and measurements. A pass sees only records, never files, so it runs
wherever the results are collected, under any engine, in milliseconds.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from siqa.config import RuleSettings
from siqa.context import BatchInfo, metric_record
from siqa.findings import Finding, Scope, Severity, bounded_confidence
from siqa.norms import Candidate

T = TypeVar("T")
Output = Finding | Candidate | dict  # a dict is a measurement, as `RuleContext.measure` records one


@dataclass(frozen=True)
class PassInput:
    code: str
    records: list[dict[str, Any]]  # what the rule collected, in session order
    batch: BatchInfo
    settings_for: Callable[[str], RuleSettings]  # the rule's settings at a site

    def report(self, unit: dict[str, Any], message: str, *, confidence: float = 1.0,
               **fields: Any) -> Finding:
        """A finding about the unit a record describes (`unit` holds `scope`, `site` and its keys)."""
        settings = self.settings_for(unit["site"])
        return Finding(code=self.code, severity=settings.severity, confidence=bounded_confidence(confidence),
                       scope=Scope(unit["scope"]), site=unit["site"], message=message, batch=self.batch.name,
                       file_id=unit.get("file_id"), interaction_key=unit.get("interaction_key"),
                       session_key=unit.get("session_key"), **fields)

    def candidate(self, unit: dict[str, Any], message: str, *, metric: str, value: float, side: str, label: str,
                  unit_name: str = "", **fields: Any) -> list[Output]:
        """A candidate and its measurement (the distribution holds every unit the pass measured)."""
        return [self.measure(unit, metric, value),
                Candidate(self.report(unit, message, **fields), metric, float(value), side, label, unit_name)]

    def measure(self, unit: dict[str, Any], metric: str, value: float) -> dict[str, Any]:
        return metric_record(self.code, self.batch.name, unit, metric, value)


Pass = Callable[[PassInput], Iterable[Output]]
PASSES: dict[str, Pass] = {}


def registering(table: dict[str, T], key: str) -> Callable[[T], T]:
    """A decorator that files what it decorates in `table` under `key`, and returns it unchanged."""

    def register(item: T) -> T:
        table[key] = item
        return item

    return register


def batch_pass(code: str) -> Callable[[Pass], Pass]:
    """Register `code`'s batch pass; it runs on the records the rule collected under its own code."""
    return registering(PASSES, code)


@dataclass
class PassResult:
    findings: list[Finding] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)


def run_passes(collected: dict[str, list[dict[str, Any]]], batch: BatchInfo,
               settings_for: Callable[[str, str], RuleSettings]) -> PassResult:
    """Every registered pass of a rule that collected records in this batch. Records are handed over in one
    order whatever order the sessions finished in; a pass that crashes becomes an SQ001 finding about the batch,
    and the other passes still run."""
    result = PassResult()
    for code in sorted(set(PASSES) & set(collected)):
        records = sorted(collected[code], key=lambda r: json.dumps(r, sort_keys=True, default=str))
        given = PassInput(code, records, batch, partial(settings_for, code))
        try:
            items = list(PASSES[code](given))
        except Exception as error:  # noqa: BLE001 - one rule's pass must not take the batch's findings down
            result.findings.append(crashed(f"rule {code} crashed in its batch pass", error, rule=code,
                                           batch=batch.name))
            continue
        for item in items:
            if isinstance(item, Finding):
                result.findings.append(item)
            elif isinstance(item, Candidate):
                result.candidates.append(item)
            else:
                result.metrics.append(item)
    return result


def crashed(what: str, error: Exception, *, rule: str, batch: str | None = None,
            scope: Scope = Scope.BATCH) -> Finding:
    """The SQ001 about a pass that crashed; `what` opens its message ("rule PR001 crashed in its batch pass")."""
    return Finding(code="SQ001", severity=Severity.ERROR, confidence=1.0, scope=scope, site="*", batch=batch,
                   message=f"{what}: {type(error).__name__}: {error}",
                   evidence={"rule": rule, "error": f"{type(error).__name__}: {error}",
                             "traceback": "".join(traceback.format_exception(error, limit=-4))})
