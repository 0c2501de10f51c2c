"""Rules that judge the whole release: they run once, after every batch, on a read-only view of what the run saw.

Some defects exist only across batches: one participant id on two people shows only when the id's sessions,
recorded months apart, are compared. A rule of `Scope.RELEASE` (`@rule(..., scope=Scope.RELEASE)`) is called
as `check(release, ctx)` with

- a `ReleaseView`: the batches the run audited (and the rules that ran on each), their judged findings, the
  records their sessions collected on the channels the rule `reads` (`RuleContext.collect(channel, ...)`), the
  root tables, and the output folder, where keepers keep what must outlive the run;
- a `ReleaseContext`: the rule's settings at a site, and `report`/`skip` like any rule's context.

A *keeper* (`@keeper(channel)`) persists one channel's records in the output folder as batches finish, so that
audits of batch after batch into one folder, and `siqa identity` over many folders, compare everything audited
(identity's fingerprint store is one). Keepers finish before the rules run. Release rules see records, stores
and findings, never files, so they run wherever results are collected, under any engine; one that crashes
becomes an SQ001 about the release, and the others still run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, TypeVar, cast

from siqa.batch_pass import crashed, registering
from siqa.config import RuleSet, RuleSettings
from siqa.context import BatchInfo
from siqa.dataset.tables import RootTables
from siqa.findings import Finding, Scope, bounded_confidence
from siqa.registry import Rule, all_rules

T = TypeVar("T")
FINDINGS = "findings"  # the channel name under which a release rule reads the run's judged findings


@dataclass(frozen=True)
class AuditedBatch:
    """A batch the run audited, and the codes of the rules scheduled on it."""

    info: BatchInfo
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ReleaseView:
    """What a release rule may read. `out_dir` holds the keepers' stores; rules write nothing there but their
    own reports, in a folder named after their family."""

    out_dir: Path
    batches: tuple[AuditedBatch, ...] = ()
    findings: tuple[Finding, ...] = ()  # the run's judged findings, where a selected release rule reads them
    records: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=lambda: MappingProxyType({}))
    tables: RootTables | None = None  # the root tables, for fixes; None when unknown (`siqa identity` without --root)
    _shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def collected(self, channel: str) -> tuple[dict[str, Any], ...]:
        """The run's records on `channel`, batch after batch (only channels some selected release rule reads)."""
        return self.records.get(channel, ())

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """One computation that several release rules read (identity's comparison, for ID001 and ID002), done
        once per view."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]


@dataclass
class ReleaseContext:
    """A release rule's settings (per site and label, as the rule set layers them) and its finding factory."""

    rule: Rule
    ruleset: RuleSet
    skips: list[dict[str, Any]] = field(default_factory=list)

    def settings(self, site: str = "*", label: str | None = None) -> RuleSettings:
        """The rule's settings at `site` under `label` (`*`: the rule set's own layer)."""
        return self.ruleset.settings(self.rule.code, self.rule.severity, site=_layer(site), label=label)

    def enabled(self, site: str = "*", label: str | None = None) -> bool:
        return self.ruleset.enabled(self.rule.code, site=_layer(site), label=label)

    def report(self, message: str, *, site: str = "*", label: str | None = None, scope: Scope = Scope.RELEASE,
               confidence: float = 1.0, **fields: Any) -> Finding | None:
        """A finding at the rule's severity there, or None where the rule is disabled there or the confidence is
        under its `min_confidence` setting (when it declares one)."""
        settings = self.settings(site, label)
        if not self.enabled(site, label) or confidence < settings.values.get("min_confidence", 0.0):
            return None
        return Finding(code=self.rule.code, severity=settings.severity,
                       confidence=bounded_confidence(confidence), scope=scope, site=site,
                       message=message, **fields)

    def skip(self, reason: str, *, scope: Scope = Scope.RELEASE, site: str = "*", unit: str | None = None,
             **fields: Any) -> None:
        """Record what the rule could not judge, and why: it lands in `skips.jsonl` and the summary."""
        self.skips.append({"code": self.rule.code, "scope": scope.value, "site": site, "unit": unit, **fields,
                           "reason": reason})


def _layer(site: str) -> str | None:
    """The rule set's site layer for a finding's site (`*`, the whole release: none)."""
    return None if site == "*" else site


Check = Callable[[ReleaseView, ReleaseContext], Iterable[Finding | None]]


class Keeper(Protocol):
    """Persists one channel's records in the output folder: `add` as each batch finishes (it may compact them;
    the run does not hold them), `finish` once, before the release rules read the store."""

    def add(self, batch: AuditedBatch, records: Sequence[dict[str, Any]]) -> None: ...

    def finish(self) -> None: ...


KEEPERS: dict[str, Callable[[Path], Keeper]] = {}


def keeper(channel: str) -> Callable[[Callable[[Path], Keeper]], Callable[[Path], Keeper]]:
    """Register the keeper of `channel`: a callable taking the output folder (a class, usually)."""
    return registering(KEEPERS, channel)


@dataclass
class ReleaseResult:
    findings: list[Finding] = field(default_factory=list)
    skips: list[dict[str, Any]] = field(default_factory=list)


def release_rules(ruleset: RuleSet) -> list[Rule]:
    """The release rules the rule set selects, in code order (per-site disabling is the context's)."""
    return [r for r in all_rules() if r.scope is Scope.RELEASE and not r.emitted and ruleset.selects(r.code)]


class ReleaseRun:
    """The release pass of one audit: batches are added as they are judged; `finish` runs the keepers, then the
    release rules. Records of a kept channel go to its keeper; other channels are held only where a selected
    release rule reads them."""

    def __init__(self, ruleset: RuleSet, out_dir: Path) -> None:
        self.ruleset, self.out_dir = ruleset, out_dir
        self.keepers = {channel: factory(out_dir) for channel, factory in sorted(KEEPERS.items())}
        self.rules = release_rules(ruleset)
        channels = {c for r in self.rules for c in r.reads} - set(self.keepers)
        self.keep_findings = FINDINGS in channels
        self.batches: list[AuditedBatch] = []
        self.findings: list[Finding] = []
        self.records: dict[str, list[dict[str, Any]]] = {c: [] for c in sorted(channels - {FINDINGS})}
        self.failures: list[Finding] = []

    def add(self, batch: AuditedBatch, collected: Mapping[str, list[dict[str, Any]]],
            findings: Iterable[Finding]) -> None:
        self.batches.append(batch)
        if self.keep_findings:
            self.findings.extend(findings)
        for channel, kept in self.keepers.items():
            self._guard(channel, partial(kept.add, batch, collected.get(channel, [])))
        for channel, records in self.records.items():
            records.extend(collected.get(channel, []))

    def finish(self, tables: RootTables | None = None) -> ReleaseResult:
        for channel, kept in self.keepers.items():
            self._guard(channel, kept.finish)
        view = ReleaseView(self.out_dir, tuple(self.batches), tuple(self.findings),
                           MappingProxyType({c: tuple(r) for c, r in self.records.items()}), tables)
        result = run_release_rules(view, self.ruleset, self.rules)
        result.findings = sorted(self.failures + result.findings, key=Finding.sort_key)
        return result

    def _guard(self, channel: str, step: Callable[[], None]) -> None:
        """A keeper that fails loses its store's update, never the run: an SQ001 names it."""
        try:
            step()
        except Exception as error:  # noqa: BLE001 - one keeper must not take the release's findings down
            self.failures.append(crashed(f"the keeper of channel {channel!r} crashed", error, rule=f"keeper:{channel}",
                                         scope=Scope.RELEASE))


def run_release_rules(view: ReleaseView, ruleset: RuleSet, rules: Sequence[Rule] | None = None) -> ReleaseResult:
    """Every selected release rule over `view`, in code order; a rule that crashes becomes an SQ001 about the
    release (its findings so far are dropped: a half-run rule would look like a clean one), and the others run."""
    result = ReleaseResult()
    for rule in release_rules(ruleset) if rules is None else rules:
        ctx = ReleaseContext(rule, ruleset)
        check = cast(Check, rule.check)  # the registry types checks by their scheduled (unit, ctx) form
        try:
            findings = [f for f in check(view, ctx) if f is not None]
        except Exception as error:  # noqa: BLE001 - one release rule must not take the others down
            result.findings.append(crashed(f"rule {rule.code} crashed in its release pass", error, rule=rule.code,
                                           scope=Scope.RELEASE))
            continue
        result.findings.extend(findings)
        result.skips.extend(ctx.skips)
    result.findings.sort(key=Finding.sort_key)
    return result
