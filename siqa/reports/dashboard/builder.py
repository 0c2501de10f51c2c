"""The report of one or several audit output folders: site tables, then a static HTML dashboard.

The dashboard is one folder of plain files that opens from disk with no network: plotly.js and the page script
are local assets, and pages are rendered by jinja2 with autoescape on, so every text from the dataset (ids,
messages, evidence, transcripts) is escaped. No page grows with the release: pages are split per site, batch
and rule family, finding lists are paginated, and only interactions with findings get a page. The folder is
built beside the old one and swapped in, so a reader never sees half a dashboard.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from siqa.config import RuleSet
from siqa.findings import Finding
from siqa.norms import JUDGED_WITH
from siqa.registry import FAMILIES, RegistryError, all_rules, get_rule
from siqa.reports.dashboard import links, plots
from siqa.reports.dashboard.interaction import interaction_view
from siqa.reports.dashboard.media import DatasetLookup, Unavailable
from siqa.reports.outputs import METRICS_JSONL, SKIPS_JSONL
from siqa.reports.site_tables import (SEVERITIES, SiteStats, folder_findings, read_folders, site_tables,
                                      write_site_tables)

DASHBOARD_DIR = "dashboard"
PAGE_SIZE = 500
NO_ROOT = "no dataset root was given (`siqa report --root DIR`)"
_HERE = Path(__file__).parent


@dataclass(frozen=True)
class ReportOutcome:
    tables: list[Path]
    dashboard: Path  # its index.html


def build_reports(out_dir: Path, root: Path | None, sources: Sequence[Path] = (),
                  page_size: int = PAGE_SIZE, ruleset: RuleSet | None = None) -> ReportOutcome:
    """Tables (`<out>/tables/`) and dashboard (`<out>/dashboard/`) of the audit output folders `sources`
    (default: `out_dir` itself). `root` is the dataset, for waveforms and transcripts (None: left out).
    `ruleset`, the rule set the folders were audited with, gives the site pages each norm's threshold (an
    audit folder does not record its rule set: without one, the thresholds are left out and the page says
    so)."""
    folders = list(sources) or [out_dir]
    stats = read_folders(folders, root)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = write_site_tables(stats, out_dir)
    findings = (f for folder in folders for f in folder_findings(folder))
    index = build_dashboard(out_dir / DASHBOARD_DIR, stats, findings, root, page_size, ruleset=ruleset,
                            skips=read_skips(folders))
    return ReportOutcome(tables, index)


def build_dashboard(folder: Path, stats: SiteStats, findings: Iterable[Finding], root: Path | None,
                    page_size: int = PAGE_SIZE, ruleset: RuleSet | None = None,
                    skips: SkipTally | None = None) -> Path:
    """Every page of the dashboard into `folder` (replaced as a whole); returns its index.html. `skips` (the
    folders' `skips.jsonl`, `read_skips`) are counted per rule on the overview; `ruleset` gives the site
    pages' norms their thresholds."""
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        pages = Pages(staging)
        pages.copy_assets()
        grouped = Grouped.of(findings)
        records = {name: frame.to_dict("records") for name, frame in site_tables(stats).items()}
        pages.write(links.index(), "overview.html", **overview(stats, records),
                    skipped=(skips or SkipTally()).rows(set(rule_codes(stats))))
        for site in stats.sites:
            pages.write(links.site(site), "site.html", **site_view(records, site),
                        norms=norm_view(records, site, ruleset, set(rule_codes(stats))))
        for code in rule_codes(stats):
            pages.write(links.rule(code), "rule.html", **rule_view(stats, records, code))
        write_finding_lists(pages, grouped, page_size)
        write_interaction_pages(pages, grouped, root)
        old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / links.index()


class Pages:
    """Renders templates into the dashboard folder; every page gets `base`, the way back to the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True,
                                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(links=links, FAMILIES=FAMILIES, SEVERITIES=SEVERITIES, titles=rule_titles())
        self.env.filters.update(pct=_pct, score=_score, heat=_heat, pretty=_pretty, seconds=_seconds,
                                number=_number)

    def copy_assets(self) -> None:
        assets = self.folder / "assets"
        assets.mkdir(parents=True)
        shutil.copyfile(str(files("plotly") / "package_data" / "plotly.min.js"), assets / "plotly.min.js")
        for name in ("dashboard.css", "dashboard.js"):
            shutil.copyfile(_HERE / "static" / name, assets / name)

    def write(self, path: str, template: str, **context: Any) -> None:
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        html = self.env.get_template(template).render(base=links.base_of(path), **context)
        target.write_text(html, encoding="utf-8")


def rule_titles() -> dict[str, str]:
    return {rule.code: rule.title for rule in all_rules()}


@dataclass
class Grouped:
    """Findings per (site, batch, family) for the lists and per (batch, site, interaction) for the pages; each
    finding's place on its interaction page (`anchors`, by object id) so a list row links straight to it.

    A finding folded into its root (`caused_by`, `siqa.causes`) is one defect with it, so it has no row of its
    own: a list shows it inside its root's row (`folded`, by the root's id), an interaction page right after its
    root, marked "caused by" with a link to it (`roots`, by the consequence's id). One whose root is not among
    the findings (a folder read alone) keeps its row, marked all the same."""

    lists: dict[tuple[str, str, str], list[Finding]]
    interactions: dict[tuple[str, str, str], list[Finding]]
    anchors: dict[int, str]
    folded: dict[int, list[Finding]]
    roots: dict[int, Finding]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Grouped:
        ordered = sorted(findings, key=Finding.sort_key)
        roots = _roots(ordered)
        folded: dict[int, list[Finding]] = defaultdict(list)
        for finding in ordered:
            if id(finding) in roots:
                folded[id(roots[id(finding)])].append(finding)
        lists: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        interactions: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        for finding in (f for f in ordered if id(f) not in roots):
            batch = finding.batch or ""
            lists[(finding.site, batch, finding.family)].append(finding)
            if finding.interaction_key:
                interactions[(batch, finding.site, finding.interaction_key)] += [finding, *folded[id(finding)]]
        anchors = {}
        for (batch, site, key), items in interactions.items():
            for number, finding in enumerate(items, 1):
                anchors[id(finding)] = f"{links.interaction(site, batch, key)}#{links.finding_anchor(number)}"
        for items in lists.values():
            items.sort(key=lambda f: (-f.severity.rank, f.code, *f.sort_key()))
        return cls(dict(lists), dict(interactions), anchors, dict(folded), roots)

    def cause_anchor(self, finding: Finding) -> str | None:
        """Where the root of a folded finding is shown; None for a finding counted on its own."""
        root = self.roots.get(id(finding))
        return self.anchors.get(id(root)) if root is not None else None


def _roots(ordered: list[Finding]) -> dict[int, Finding]:
    """Each folded finding's root (by the consequence's id): the first counted finding its `caused_by` names."""
    by_ref: dict[str, Finding] = {}
    for finding in ordered:
        if finding.caused_by is None:
            by_ref.setdefault(finding.ref, finding)
    return {id(f): by_ref[f.caused_by] for f in ordered if f.caused_by is not None and f.caused_by in by_ref}


# Page contexts ----------------------------------------------------------------------------------------------

Records = dict[str, list[dict[str, Any]]]  # the site tables by name, as rows


def overview(stats: SiteStats, records: Records) -> dict[str, Any]:
    scores, families = records["site_scores"], records["site_families"]
    per_batch: dict[str, Counter[str]] = defaultdict(Counter)
    for row in records["batch_families"]:
        per_batch[row["family"]][row["batch"]] += row["findings"]
    rates = _series(families, "site", "family", lambda r: 100 * r["rate"])
    scores_per_batch = _series(records["batch_scores"], "site", "batch", lambda r: r["score"])
    figures = {
        "rates": plots.bars("Interactions flagged per rule family (%)", rates, "family", "% flagged"),
        "scores": plots.lines("Site score per batch (% of interactions without warnings or errors)",
                              scores_per_batch, "batch", "score", from_zero=False),
        "findings": plots.bars("Findings per batch and family", {f: dict(c) for f, c in per_batch.items()},
                               "batch", "findings", stacked=True),
    }
    sources = {stats.unit_sources.get(batch, "none") for batch in stats.batches}
    notes = []
    if "none" in sources:
        notes.append("Some batches have no unit counts, so their rates and scores are empty: audit with a "
                     "siqa that writes units.jsonl, or give the dataset root (--root).")
    if METRICS_JSONL in sources:
        notes.append("Unit counts come from the units that measuring rules saw (metrics.jsonl), a lower "
                     "bound: units.jsonl or the dataset root (--root) give exact ones.")
    return {"sites": scores, "cells": {(r["site"], r["family"]): r for r in families},
            "families": sorted({r["family"] for r in families}), "batches": stats.batches,
            "rules": rule_rows(stats), "figures": figures, "notes": notes,
            "totals": {k: sum(r[k] for r in scores)
                       for k in ("interactions", "files", "findings", *SEVERITIES)}}


def rule_codes(stats: SiteStats) -> list[str]:
    """Codes with findings or measurements: each gets a rule page."""
    return sorted({code for _, _, code, _ in stats.findings} | {code for _, _, code, _, _ in stats.values})


def rule_rows(stats: SiteStats) -> list[dict[str, Any]]:
    rows = {code: {"code": code, "sites": Counter(), **{s: 0 for s in SEVERITIES}}
            for code in rule_codes(stats)}
    for (site, _, code, severity), n in stats.findings.items():
        rows[code][severity] += n
        rows[code]["sites"][site] += n
    return list(rows.values())


def site_view(records: Records, site: str) -> dict[str, Any]:
    batches, cells, families = ([r for r in records[name] if r["site"] == site]
                                for name in ("batch_scores", "batch_families", "site_families"))
    trend = plots.lines(f"{site}: interactions flagged per family and batch (%)",
                        _series(cells, "family", "batch", lambda r: 100 * r["rate"]), "batch", "% flagged")
    return {"site": site, "summary": next(r for r in records["site_scores"] if r["site"] == site),
            "batches": batches, "families": families, "cells": {(r["batch"], r["family"]): r for r in cells},
            "figures": {"trend": trend}}


MAX_REASONS = 200  # distinct skip reasons kept per rule; more are counted together


@dataclass
class SkipTally:
    """Units each rule could not judge (`skips.jsonl`): per rule, how many at each site, and why."""

    units: dict[str, Counter[str]] = dataclass_field(default_factory=dict)  # code -> site -> units
    reasons: dict[str, Counter[str]] = dataclass_field(default_factory=dict)  # code -> reason -> units

    def add(self, record: dict[str, Any]) -> None:
        code = str(record.get("code", ""))
        self.units.setdefault(code, Counter())[str(record.get("site", ""))] += 1
        reasons = self.reasons.setdefault(code, Counter())
        reason = str(record.get("reason") or "no reason given")
        reasons[reason if reason in reasons or len(reasons) < MAX_REASONS else "(other reasons)"] += 1

    def rows(self, paged: set[str]) -> list[dict[str, Any]]:
        """Per rule: units skipped, at which sites, the most common reason and how many units it covers, and
        whether the rule has a page (`paged`: rules with findings or measurements)."""
        out = []
        for code, sites in sorted(self.units.items()):
            reason, count = min(self.reasons[code].items(), key=lambda item: (-item[1], item[0]))
            out.append({"code": code, "units": sum(sites.values()), "sites": dict(sorted(sites.items())),
                        "reason": reason, "reason_units": count, "page": code in paged})
        return out


def read_skips(folders: Iterable[Path]) -> SkipTally:
    """The skips of every folder (streamed); a folder without `skips.jsonl` (an old audit) has none."""
    tally = SkipTally()
    for folder in folders:
        path = folder / SKIPS_JSONL
        if path.is_file():
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        tally.add(json.loads(line))
    return tally


def norm_view(records: Records, site: str, ruleset: RuleSet | None, paged: set[str]) -> dict[str, Any]:
    """The site's measured norms (`norms.jsonl` via the `batch_norms` table): what each relative rule judged
    the site's units against, and with a rule set, the threshold that implies."""
    rows = []
    for record in records.get("batch_norms", []):
        if record["site"] != site:
            continue
        row = {k: None if _missing(v) else v for k, v in record.items()}
        row["threshold"] = _threshold(row, ruleset)
        row["page"] = row["code"] in paged
        rows.append(row)
    rows.sort(key=lambda r: (r["code"], r["metric"], r["batch"]))
    return {"rows": rows, "thresholds": any(r["threshold"] for r in rows)}


def _threshold(norm: dict[str, Any], ruleset: RuleSet | None) -> str | None:
    """What a unit must cross to be reported, as `siqa.norms.judge_one` decides it: beyond max(tolerance x
    spread, min_effect) from the median on the defect's side, or with too few units the absolute limits. The
    settings are those `norms.jsonl` recorded; an older audit's norms take them from `ruleset`."""
    values = {k: norm[k] for k in JUDGED_WITH if norm.get(k) is not None}
    if not values and ruleset is not None:
        label = str(norm["batch"]).split("/", 1)[0]
        try:
            values = ruleset.settings(norm["code"], get_rule(norm["code"]).severity, site=norm["site"],
                                      label=label).values
        except RegistryError:
            return None
    if not values:
        return None
    if norm["basis"] == "fallback":
        limits = [f"{word} {_number(values[key])}" for word, key in (("below", "fallback_low"),
                                                                     ("above", "fallback_high"))
                  if values.get(key) is not None]
        return f"absolute: {' or '.join(limits)}" if limits else "none: units skipped"
    if norm["spread"] is None or "tolerance" not in values or "min_effect" not in values:
        return None
    tolerance, effect = float(values["tolerance"]), float(values["min_effect"])
    threshold = max(tolerance * float(norm["spread"]), effect)
    return f"{_number(threshold)} from the median (max({_number(tolerance)} × spread, {_number(effect)}))"


def rule_view(stats: SiteStats, records: Records, code: str) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (site, batch, c, _), n in stats.findings.items():
        if c == code:
            counts[site][batch] += n
    figures = {"counts": plots.bars(f"{code} findings per batch and site",
                                    {s: dict(c) for s, c in counts.items()}, "batch", "findings")}
    quantities: dict[tuple[str, str], dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(dict))  # (quantity, source) -> site -> batch -> values
    for (site, batch, c, name, source), values in stats.values.items():
        if c == code:
            quantities[(name, source)][site][batch] = values
    sections = []
    for number, ((name, source), by_site) in enumerate(sorted(quantities.items())):
        what = f"{name} ({'every unit measured' if source == 'metric' else 'evidence of findings'})"
        pooled = {site: [v for values in by_batch.values() for v in values]
                  for site, by_batch in by_site.items()}
        medians = {site: {batch: float(np.median(v)) for batch, v in by_batch.items()}
                   for site, by_batch in by_site.items()}
        sections.append({"id": f"q{number}",
                         "boxes": plots.boxes(f"{what}: distribution per site", pooled, name),
                         "trend": plots.lines(f"{what}: median per batch", medians, "batch", name,
                                              from_zero=False)})
    table = [r for r in records["site_quantities"] if r["code"] == code]
    try:
        doc = get_rule(code).doc
    except RegistryError:  # a code of a plugin this siqa does not have
        doc = ""
    return {"code": code, "figures": figures, "quantities": sections, "table": table, "doc": doc}


def _series(rows: list[dict[str, Any]], trace: str, x: str, y: Any) -> plots.Series:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        out[row[trace]][row[x]] = y(row)
    return dict(out)


# Finding lists and interaction pages ------------------------------------------------------------------------

def write_finding_lists(pages: Pages, grouped: Grouped, page_size: int) -> None:
    for (site, batch, family), items in sorted(grouped.lists.items()):
        count = max(1, math.ceil(len(items) / page_size))
        for number in range(1, count + 1):
            rows = items[(number - 1) * page_size: number * page_size]
            pages.write(links.findings(site, batch, family, number), "findings.html", site=site, batch=batch,
                        family=family, number=number, count=count, total=len(items),
                        rows=[(f, grouped.anchors.get(id(f)), grouped.folded.get(id(f), [])) for f in rows],
                        codes=sorted({f.code for f in rows}))


def write_interaction_pages(pages: Pages, grouped: Grouped, root: Path | None) -> None:
    lookup = DatasetLookup(root) if root is not None else None
    for (batch, site, key), items in sorted(grouped.interactions.items()):
        channels, unavailable = [], NO_ROOT
        if lookup is not None:
            try:
                channels, unavailable = lookup.channels(batch, key), ""
            except Unavailable as error:
                unavailable = str(error)
        pages.write(links.interaction(site, batch, key), "interaction.html", site=site, batch=batch, key=key,
                    findings=[(f, grouped.cause_anchor(f)) for f in items],
                    counted=sum(f.caused_by is None for f in items), families=sorted({f.family for f in items}),
                    unavailable=unavailable, view=interaction_view(items, channels))


# Filters ----------------------------------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (str, list, dict)) and bool(pd.isna(value)))


def _number(value: Any) -> str:
    """A measured number for a table: four significant digits, "–" when absent."""
    if _missing(value):
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _pct(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def _score(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.1f}"


def _heat(value: float) -> str:
    return "0" if value is None or math.isnan(value) else f"{min(1.0, max(0.0, value)):.3f}"


def _seconds(span: tuple[float, float] | None) -> str:
    return "" if span is None else f"{span[0]:.2f}–{span[1]:.2f} s"


def _pretty(value: Any, limit: int = 4000) -> str:
    """Evidence and patch operations as indented JSON (strings as they are), cut at `limit` characters."""
    text = value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True, default=str,
                                                            ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"
