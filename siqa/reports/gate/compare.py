"""Judging a release's audit against the previous release's, per site and rule family, under the gate policy.

A finding folded into its root (`caused_by`, `siqa.causes`) is one defect with its root: the checks count and
match the other findings only (`Release.counted`). Three kinds of check, each a JUnit test case and, when it
fails, a breach:
- `new errors`: error findings of a family at a site that the baseline did not have (matched by fingerprint);
- `rate`: a family's flagged-interaction rate at a site rose beyond its allowance, or passed its ceiling;
- `score`: a site's score (interactions without warnings or errors) fell beyond its allowance.
A check that cannot be judged (no baseline, no unit counts, too few interactions) is skipped with the reason.
Both audits must be of this siqa's output schema major version (`siqa.schemas.version`): another major is
refused; one older than versioned outputs is compared, with a note saying so.
A finding a curator rejected (`siqa.decisions`, `siqa gate --decisions`) is reviewed, not a defect: it is
counted in neither release, and the outputs say how many there were.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from siqa.finding_fingerprints import fingerprint, unmatched
from siqa.findings import Finding, Severity
from siqa.outputs.compatibility import check_folder
from siqa.reports.gate.policy import Policy
from siqa.reports.site_tables import SITE, SiteStats, folder_findings, read_folder

_EPSILON = 1e-9


@dataclass(frozen=True)
class Check:
    kind: str  # "new errors", "rate" or "score"
    site: str
    family: str | None
    passed: bool | None  # None: could not be judged; `message` says why
    message: str
    baseline: float | None = None
    current: float | None = None
    allowed: float | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.kind, self.site, self.family) if part)


@dataclass
class Release:
    folder: Path
    stats: SiteStats
    findings: list[Finding]
    rejected: Collection[str] = frozenset()
    version_warning: str | None = None  # a folder older than versioned outputs: compared, and said so

    @classmethod
    def read(cls, folder: Path, rejected: Collection[str] = frozenset()) -> Release:
        """The folder's audit; `IncompatibleOutput` when another major output schema wrote it."""
        warning = check_folder(folder)
        stats = read_folder(folder, rejected=rejected)
        return cls(folder, stats, list(folder_findings(folder)), rejected, warning)

    @cached_property
    def counted(self) -> list[Finding]:
        """The findings the gate counts: each defect once, at its root, and none a curator rejected."""
        return [f for f in self.findings if f.caused_by is None and not self.is_reviewed(f)]

    @cached_property
    def reviewed(self) -> list[Finding]:
        """The findings a curator rejected as not a defect."""
        return [f for f in self.findings if f.caused_by is None and self.is_reviewed(f)]

    def is_reviewed(self, finding: Finding) -> bool:
        from siqa.decisions import finding_key  # siqa.decisions imports this package

        return bool(self.rejected) and finding_key(finding) in self.rejected

    @cached_property
    def sites(self) -> list[dict[str, Any]]:
        return self.stats.score_table(SITE).to_dict("records")

    @cached_property
    def interactions(self) -> dict[str, int]:
        return {r["site"]: r["interactions"] for r in self.sites}

    @cached_property
    def scores(self) -> dict[str, float]:
        return {r["site"]: r["score"] for r in self.sites}

    @cached_property
    def rates(self) -> dict[tuple[str, str], float]:
        """Flagged share per (site, family) where the site has unit counts (absent: no finding, rate 0)."""
        units = self.interactions
        return {(r["site"], r["family"]): r["flagged"] / units[r["site"]]
                for r in self.stats.family_table(SITE).to_dict("records") if units.get(r["site"], 0) > 0}


@dataclass
class GateResult:
    current: Release
    baseline: Release | None
    policy: Policy
    checks: list[Check]
    new: list[Finding] = field(default_factory=list)  # current findings the baseline did not have
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._new_ids = {id(f) for f in self.new}

    @property
    def breaches(self) -> list[Check]:
        return [c for c in self.checks if c.passed is False]

    @property
    def passed(self) -> bool:
        return not self.breaches

    def is_new(self, finding: Finding) -> bool:
        return id(finding) in self._new_ids


def run_gate(current: Path, baseline: Path | None, policy: Policy,
             rejected: Collection[str] = frozenset()) -> GateResult:
    """`rejected`: keys of findings a curator rejected (`Decisions.rejected_findings`), in either release."""
    now = Release.read(current, rejected)
    before = Release.read(baseline, rejected) if baseline is not None else None
    previous = Counter(fingerprint(f, policy.span_seconds) for f in before.counted) if before else Counter()
    new = unmatched(now.counted, previous, policy.span_seconds)
    checks = [*_new_errors(now, new, policy), *_rates(now, before, policy), *_scores(now, before, policy)]
    notes = [release.version_warning for release in (now, before) if release and release.version_warning]
    if before is None:
        notes.append("No baseline: every error finding counts as new, and rates are checked only against "
                     "their ceilings.")
    for release in (now, before):
        if release is not None and not any(release.interactions.values()):
            notes.append(f"{release.folder} has no unit counts (units.jsonl or metrics.jsonl): its rates and "
                         "scores could not be judged.")
    if now.reviewed:
        notes.append(f"{len(now.reviewed)} finding(s) reviewed: not a defect (rejected in the decisions file): "
                     "not counted.")
    return GateResult(now, before, policy, checks, new, notes)


def _new_errors(now: Release, new: list[Finding], policy: Policy) -> list[Check]:
    found: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in new:
        if finding.severity is Severity.ERROR:
            found[(finding.site, finding.family)].append(finding)
    groups = {(f.site, f.family) for f in now.counted if f.severity is Severity.ERROR}
    checks = []
    for site, family in sorted(groups):
        items = found.get((site, family), [])
        allowed = policy.allowance(site, family).new_errors
        checks.append(Check("new errors", site, family, len(items) <= allowed,
                            f"{len(items)} new error finding(s) of {family} at {site} (allowed: {allowed})",
                            current=len(items), allowed=allowed, findings=tuple(items)))
    return checks


def _rates(now: Release, before: Release | None, policy: Policy) -> list[Check]:
    current, units = now.rates, now.interactions
    previous, previous_units = (before.rates, before.interactions) if before else ({}, {})
    pairs = {(f.site, f.family) for release in (now, before) if release for f in release.counted}
    checks = []
    for site, family in sorted(pairs):
        allowance, what = policy.allowance(site, family), f"{family} at {site}"
        base = previous.get((site, family), 0.0) if previous_units.get(site) else None
        skip = _unjudgeable(units.get(site, 0), allowance.min_interactions)
        if skip:
            shown = current.get((site, family), 0.0) if units.get(site) else None
            checks.append(Check("rate", site, family, None, f"{what}: {skip}", base, shown))
            continue
        rate = current.get((site, family), 0.0)
        if rate > allowance.max_rate + _EPSILON:
            message = f"{what}: {rate:.1%} of interactions flagged, over its {allowance.max_rate:.1%} ceiling"
            checks.append(Check("rate", site, family, False, message, base, rate, allowance.max_rate))
        elif base is None:
            message = f"{what}: {rate:.1%} flagged, within the ceiling (no baseline rate to compare with)"
            checks.append(Check("rate", site, family, True, message, None, rate, allowance.max_rate))
        else:
            rise = rate - base
            message = (f"{what}: flagged {base:.1%} → {rate:.1%} ({rise:+.1%}; allowed rise "
                       f"{allowance.rate_increase:.1%})")
            passed = rise <= allowance.rate_increase + _EPSILON
            checks.append(Check("rate", site, family, passed, message, base, rate, allowance.rate_increase))
    return checks


def _scores(now: Release, before: Release | None, policy: Policy) -> list[Check]:
    checks = []
    units, scores = now.interactions, now.scores
    previous, previous_units = (before.scores, before.interactions) if before else ({}, {})
    for site in sorted(units):
        allowance = policy.allowance(site)
        skip = _unjudgeable(units[site], allowance.min_interactions)
        if not skip and before is None:
            skip = "no baseline"
        elif not skip and not previous_units.get(site):
            skip = "not in the baseline, or no unit counts there"
        if skip:
            checks.append(Check("score", site, None, None, f"{site}: {skip}", previous.get(site),
                                scores[site]))
            continue
        base, score = previous[site], scores[site]
        message = (f"{site}: score {base:.1f} → {score:.1f} ({score - base:+.1f}; allowed drop "
                   f"{allowance.score_drop:.1f})")
        passed = base - score <= allowance.score_drop + _EPSILON
        checks.append(Check("score", site, None, passed, message, base, score, allowance.score_drop))
    return checks


def _unjudgeable(interactions: int, minimum: int) -> str:
    if interactions == 0:
        return "no unit counts"
    if interactions < minimum:
        return f"{interactions} interactions, fewer than the {minimum} needed to judge"
    return ""
