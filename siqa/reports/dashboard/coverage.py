"""What each rule checked, per site: units it applies to, units it skipped (and why), units it flagged, and the
clean rest, so that nothing reads as clean that was never checked.

A rule applies to every unit of its scope (files, interactions, sessions) in a folder whose audit ran it (the
rules `summary.json` timed; an older folder without one: the rules that left a finding, metric or skip there).
Skips come from `skips.jsonl`, one line per unit with its reason.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siqa.engine.task import SIGNAL_PREFIX
from siqa.findings import Finding, Scope
from siqa.outputs.files import SKIPS_JSONL, SUMMARY_JSON
from siqa.outputs.summary import count_reason, top_reason
from siqa.registry import RegistryError, get_rule
from siqa.reports.site_tables import SiteStats

_SCOPE_UNITS = {Scope.FILE: "files", Scope.INTERACTION: "interactions", Scope.SESSION: "sessions"}


@dataclass
class SkipTally:
    """Units each rule could not judge (`skips.jsonl`): per rule, how many at each site, and why."""

    units: dict[str, Counter[str]] = field(default_factory=dict)  # code -> site -> units
    reasons: dict[str, Counter[str]] = field(default_factory=dict)  # code -> reason -> units
    site_reasons: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)  # (site, code) -> reasons

    def add(self, record: dict[str, Any]) -> None:
        code, site = str(record.get("code", "")), str(record.get("site", ""))
        reason = str(record.get("reason") or "no reason given")
        self.units.setdefault(code, Counter())[site] += 1
        count_reason(self.reasons.setdefault(code, Counter()), reason)
        count_reason(self.site_reasons.setdefault((site, code), Counter()), reason)

    def rows(self, paged: set[str]) -> list[dict[str, Any]]:
        """Per rule: units skipped, at which sites, the most common reason and how many units it covers, and
        whether the rule has a page (`paged`: rules with findings or measurements)."""
        out = []
        for code, sites in sorted(self.units.items()):
            reason, count = top_reason(self.reasons[code])
            out.append({"code": code, "units": sum(sites.values()), "sites": dict(sorted(sites.items())),
                        "reason": reason, "reason_units": count, "page": code in paged})
        return out


def read_skips(folder: Path, tally: SkipTally) -> None:
    """A folder's skips (streamed) into `tally`; a folder without `skips.jsonl` (an old audit) has none."""
    path = folder / SKIPS_JSONL
    if path.is_file():
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    tally.add(json.loads(line))


def rules_run(folder: Path, stats: SiteStats, skips: SkipTally) -> set[str]:
    """The rules the folder's audit ran: those it timed (`summary.json`), else those that left a trace."""
    path = folder / SUMMARY_JSON
    if path.is_file():
        timed = json.loads(path.read_text(encoding="utf-8")).get("rule_seconds", {})
        return {code for code in timed if not code.startswith(SIGNAL_PREFIX)}
    return ({code for _, _, code, _ in stats.findings} | {code for _, _, code, *_ in stats.values}
            | set(skips.units))


@dataclass
class Coverage:
    """Per (site, rule code): units the rule applies to, skipped, and flagged (distinct units with a finding of
    it that counts); checked = units - skipped, clean = checked - flagged."""

    units: Counter[tuple[str, str]] = field(default_factory=Counter)
    flagged: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    skips: SkipTally = field(default_factory=SkipTally)

    def add_folder(self, folder: Path, stats: SiteStats) -> None:
        """One audit folder: its rules' units (from the folder's unit counts) and its skips."""
        skips = SkipTally()
        read_skips(folder, skips)
        for code in rules_run(folder, stats, skips):
            kind = _units_of(code)
            for (site, _, unit_kind), n in stats.units.items():
                if unit_kind == kind:
                    self.units[(site, code)] += n
        for code, sites in skips.units.items():
            self.skips.units.setdefault(code, Counter()).update(sites)
            self.skips.reasons.setdefault(code, Counter()).update(skips.reasons[code])
        for key, reasons in skips.site_reasons.items():
            self.skips.site_reasons.setdefault(key, Counter()).update(reasons)

    def add_findings(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.flagged.setdefault((finding.site, finding.code), set()).add(finding.unit_key)

    def rows(self, site: str | None = None, code: str | None = None,
             paged: Collection[str] = ()) -> list[dict[str, Any]]:
        """One row per (site, rule), limited to `site` or `code`; units are None where the audit's unit
        counts do not cover the rule's scope (batch-wide rules, or no unit counts); `page`: the rule has one
        (`paged`)."""
        keys = set(self.units) | set(self.flagged) | set(self.skips.site_reasons)
        rows = []
        for s, c in sorted(keys, key=lambda k: (k[1], k[0])):
            if (site is not None and s != site) or (code is not None and c != code):
                continue
            reasons = self.skips.site_reasons.get((s, c), Counter())
            skipped, flagged = sum(reasons.values()), len(self.flagged.get((s, c), ()))
            units = self.units.get((s, c)) or None
            checked = None if units is None else max(units - skipped, 0)
            reason = top_reason(reasons) if reasons else None
            rows.append({"site": s, "code": c, "units": units, "skipped": skipped, "checked": checked,
                         "flagged": flagged, "clean": None if checked is None else max(checked - flagged, 0),
                         "reason": reason[0] if reason else "", "reason_units": reason[1] if reason else 0,
                         "checked_share": None if not units else (checked or 0) / units, "page": c in paged})
        return rows

    def totals(self, paged: set[str]) -> list[dict[str, Any]]:
        return totals_of(self.rows(paged=paged), self.skips)


def totals_of(rows: list[dict[str, Any]], skips: SkipTally) -> list[dict[str, Any]]:
    """The rows of every site summed per rule, with the most common reason over all sites."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = out.setdefault(row["code"], {"code": row["code"], "units": None, "skipped": 0, "checked": None,
                                             "flagged": 0, "clean": None, "page": row["page"]})
        for name in ("units", "checked", "clean"):
            if row[name] is not None:
                total[name] = (total[name] or 0) + row[name]
        total["skipped"] += row["skipped"]
        total["flagged"] += row["flagged"]
    for code, total in out.items():
        reason = top_reason(skips.reasons[code]) if skips.reasons.get(code) else ("", 0)
        total["reason"], total["reason_units"] = reason
        total["checked_share"] = None if not total["units"] else (total["checked"] or 0) / total["units"]
    return [out[code] for code in sorted(out)]


def _units_of(code: str) -> str | None:
    try:
        return _SCOPE_UNITS.get(get_rule(code).scope)
    except RegistryError:  # a plugin's rule this siqa does not have
        return None
