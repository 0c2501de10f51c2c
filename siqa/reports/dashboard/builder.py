"""The report of one or several audit output folders: site tables, then a static HTML dashboard.

The dashboard is one folder of plain files that opens from disk with no network: charts are SVG drawn at build
time (plots.py) and the page scripts are local assets, and pages are rendered by jinja2 with autoescape on, so
every text from the dataset (ids, messages, evidence, transcripts) is escaped. No page grows with the release:
pages are split per site, batch and rule family, finding lists are paginated, and release-wide lists page their
rows from data files (lists.py). Every interaction the report knows gets a page, flagged or clean (catalog.py).
Pages are built only when their inputs changed, interaction pages in parallel (render.py). The folder is built
beside the old one and swapped in, so a reader never sees half a dashboard.

A curator's decisions (`siqa.decisions`) are made in the browser (review.js) and read back here: a finding
rejected as not a defect is shown "reviewed: not a defect" and counts against nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from siqa.config import RuleSet
from siqa.decisions import Decisions, finding_key
from siqa.findings import Finding
from siqa.norms import JUDGED_WITH
from siqa.outputs.files import METRICS_JSONL
from siqa.registry import FAMILIES, RegistryError, all_rules, get_rule
from siqa.reports.dashboard import links, lists, plots, render
from siqa.reports.dashboard.catalog import Entry, Place, catalog
from siqa.reports.dashboard.clips import DEFAULT_LIMITS, MediaLimits
from siqa.reports.dashboard.coverage import Coverage
from siqa.reports.dashboard.evidence import link_unit_pages, write_evidence_pages
from siqa.reports.dashboard.visible import visible_text
from siqa.reports.site_tables import (
    SEVERITIES,
    SiteStats,
    folder_findings,
    read_folder,
    site_tables,
    write_site_tables,
)

DASHBOARD_DIR = "dashboard"
PAGE_SIZE = 500
_HERE = Path(__file__).parent
ASSETS = ("dashboard.css", "dashboard.js", "review.js", "evidence.css", "evidence.js")


@dataclass(frozen=True)
class ReportOutcome:
    tables: list[Path]
    dashboard: Path  # its index.html
    rendered: int = 0  # pages built this time
    kept: int = 0  # pages kept from the last build (their inputs had not changed)


def build_reports(out_dir: Path, root: Path | None, sources: Sequence[Path] = (),
                  page_size: int = PAGE_SIZE, ruleset: RuleSet | None = None,
                  decisions: Decisions | None = None, workers: int = 1,
                  limits: MediaLimits = DEFAULT_LIMITS) -> ReportOutcome:
    """Tables (`<out>/tables/`) and dashboard (`<out>/dashboard/`) of the audit output folders `sources`
    (default: `out_dir` itself). `root` is the dataset, for waveforms and transcripts (None: left out).
    `ruleset`, the rule set the folders were audited with, gives the site pages each norm's threshold (an
    audit folder does not record its rule set: without one, the thresholds are left out and the page says
    so). `decisions`: a curator's, whose rejected findings count against nothing. `workers`: processes that
    build interaction pages. `limits`: what their clips, pictures and frames may cost (docs/dashboard.md)."""
    folders = list(sources) or [out_dir]
    rejected = decisions.rejected_findings() if decisions else frozenset()
    stats, coverage = SiteStats(), Coverage()
    for folder in folders:
        folder_stats = read_folder(folder, root, rejected)
        coverage.add_folder(folder, folder_stats)
        stats += folder_stats
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = write_site_tables(stats, out_dir)
    findings = [f for folder in folders for f in folder_findings(folder)]
    outcome = write_dashboard(out_dir / DASHBOARD_DIR, stats, findings, root, page_size, ruleset=ruleset,
                              coverage=coverage, decisions=decisions, workers=workers, folders=folders,
                              limits=limits)
    return replace(outcome, tables=tables)


def build_dashboard(folder: Path, stats: SiteStats, findings: Iterable[Finding], root: Path | None,
                    page_size: int = PAGE_SIZE, **options: Any) -> Path:
    """`write_dashboard`, returning the dashboard's index.html."""
    return write_dashboard(folder, stats, findings, root, page_size, **options).dashboard


def write_dashboard(folder: Path, stats: SiteStats, findings: Iterable[Finding], root: Path | None,
                    page_size: int = PAGE_SIZE, ruleset: RuleSet | None = None,
                    coverage: Coverage | None = None, decisions: Decisions | None = None, workers: int = 1,
                    folders: Sequence[Path] = (), limits: MediaLimits = DEFAULT_LIMITS) -> ReportOutcome:
    """Every page of the dashboard into `folder` (replaced as a whole; pages whose inputs did not change are
    kept from it). `coverage` (`Coverage.add_folder` of each folder) gives the overview, site and rule pages
    what each rule checked; `ruleset` gives the site pages' norms their thresholds; `folders` name clean
    interactions when there is no dataset root (their `metrics.jsonl`); `limits` bound the media."""
    findings = list(findings)
    decisions = decisions or Decisions()
    rejected = decisions.rejected_findings()
    coverage = coverage or Coverage()
    coverage.add_findings(f for f in findings if f.caused_by is None and finding_key(f) not in rejected)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        pages = Pages(staging, dashboard_id(folder), rejected)
        pages.copy_assets(decisions)
        writer = render.Writer(pages, folder if folder.is_dir() else None,
                               mark=lambda item: isinstance(item, Finding) and pages.reviewed(item))
        grouped = Grouped.of(findings)
        entries = catalog(findings, folders, stats.batches, root)
        records = {name: frame.to_dict("records") for name, frame in site_tables(stats).items()}
        paged = set(rule_codes(stats))
        writer.write(links.index(), "overview.html", **overview(stats, records),
                     skipped=coverage.skips.rows(paged), coverage=coverage.totals(paged))
        for site in stats.sites:
            writer.write(links.site(site), "site.html", **site_view(records, site),
                         norms=norm_view(records, site, ruleset, paged), coverage=coverage.rows(site=site, paged=paged))
        for code in rule_codes(stats):
            writer.write(links.rule(code), "rule.html", **rule_view(stats, records, code),
                         coverage=coverage.rows(code=code, paged=paged))
        write_interaction_pages(writer, grouped, entries, root, workers, limits)
        write_finding_lists(writer, grouped, page_size)
        write_release_lists(writer, grouped, entries)
        writer.finish()
        old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReportOutcome([], folder / links.index(), writer.rendered, writer.kept)


def dashboard_id(folder: Path) -> str:
    """The dashboard's id in the browser, which keeps decisions under it: the same for every build into the
    same folder (decisions survive a re-report), another for another folder."""
    return hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:12]


class Pages:
    """Renders templates into the dashboard folder; every page gets `base`, the way back to the folder, and
    the dashboard's id."""

    def __init__(self, folder: Path, dashboard: str = "", rejected: frozenset[str] | set[str] = frozenset()
                 ) -> None:
        self.folder, self.rejected = folder, rejected
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True,
                                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                      finalize=visible_text)  # control and bidi characters shown, not acted on
        self.env.globals.update(links=links, FAMILIES=FAMILIES, SEVERITIES=SEVERITIES, titles=rule_titles(),
                                dashboard_id=dashboard, finding_key=finding_key, fix_key=lists.fix_key,
                                reviewed=self.reviewed)
        self.env.filters.update(pct=_pct, score=_score, heat=_heat, pretty=_pretty, seconds=_seconds,
                                number=_number)

    def reviewed(self, finding: Finding) -> bool:
        """Rejected by the curator as not a defect (`siqa report --decisions`)."""
        return bool(self.rejected) and finding_key(finding) in self.rejected

    def copy_assets(self, decisions: Decisions) -> None:
        """The page scripts and style, and the decisions read back (`siqa report --decisions`), which the
        browser shows as made until the curator changes them."""
        assets = self.folder / "assets"
        assets.mkdir(parents=True)
        for name in ASSETS:
            shutil.copyfile(_HERE / "static" / name, assets / name)
        (assets / "decisions.js").write_text(f"self.siqaSeed = {decisions.to_json()};\n", encoding="utf-8")

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

    def part(self, places: list[tuple[str, str, str]], lists: bool) -> Grouped:
        """The same findings with only the interactions at `places` (a worker's share of the pages), and the
        lists only where `lists` (pages made of them are written once)."""
        return Grouped(self.lists if lists else {}, {p: self.interactions[p] for p in places}, self.anchors,
                       self.folded, self.roots)

    def cause_anchor(self, finding: Finding) -> str | None:
        """Where the root of a folded finding is shown; None for a finding counted on its own."""
        root = self.roots.get(id(finding))
        return self.anchors.get(id(root)) if root is not None else None


def _roots(ordered: list[Finding]) -> dict[int, Finding]:
    """Each folded finding's root (by the consequence's id): the first counted finding of its own batch that its
    `caused_by` names (an audit folds findings within its batch, and merged folders may repeat a unit key)."""
    by_ref: dict[tuple[str | None, str], Finding] = {}
    for finding in ordered:
        if finding.caused_by is None:
            by_ref.setdefault((finding.batch, finding.ref), finding)
    return {id(f): root for f in ordered
            if f.caused_by is not None and (root := by_ref.get((f.batch, f.caused_by))) is not None}


# Page contexts ----------------------------------------------------------------------------------------------

Records = dict[str, list[dict[str, Any]]]  # the site tables by name, as rows


def overview(stats: SiteStats, records: Records) -> dict[str, Any]:
    scores, families = records["site_scores"], records["site_families"]
    per_batch: Counter[tuple[str, str]] = Counter()
    for row in records["batch_families"]:
        per_batch[(row["batch"], row["family"])] += row["findings"]
    rates = _series(families, "site", "family", lambda r: 100 * r["rate"])
    scores_per_batch = _series(records["batch_scores"], "site", "batch", lambda r: r["score"])
    family_names = sorted({family for _, family in per_batch})
    figures = {
        "rates": plots.bars("Interactions flagged per rule family (%)", rates, "family", "% flagged"),
        "scores": plots.lines("Site score per batch (% of interactions without warnings or errors)",
                              scores_per_batch, "batch", "score", from_zero=False),
        "findings": plots.heatmap("Findings per batch and family (click a cell for its list)", per_batch,
                                  stats.batches, family_names, text=lambda r, c, v: f"{v:.0f}",
                                  href=lambda batch, family: _filtered(links.family_list(family), batch=batch)),
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
    rows: dict[str, dict[str, Any]] = {code: {"code": code, "sites": Counter(), **{s: 0 for s in SEVERITIES}}
                                       for code in rule_codes(stats)}
    for (site, _, code, severity), n in stats.findings.items():
        rows[code][severity] += n
        rows[code]["sites"][site] += n
    return list(rows.values())


def site_view(records: Records, site: str) -> dict[str, Any]:
    batches, cells, families = ([r for r in records[name] if r["site"] == site]
                                for name in ("batch_scores", "batch_families", "site_families"))
    rates = {(r["batch"], r["family"]): 100 * r["rate"] for r in cells if r["findings"]}
    trend = plots.heatmap(f"{site}: interactions flagged per batch and family (%)", rates,
                          [b["batch"] for b in batches], sorted({r["family"] for r in cells}),
                          text=lambda r, c, v: f"{v:.0f}%",
                          href=lambda batch, family: links.base_of(links.site(site))
                          + links.findings(site, batch, family))
    return {"site": site, "summary": next(r for r in records["site_scores"] if r["site"] == site),
            "batches": batches, "families": families, "cells": {(r["batch"], r["family"]): r for r in cells},
            "figures": {"trend": trend}}


def _filtered(path: str, **state: str) -> str:
    """A link to a list, with the filters its page opens with."""
    from urllib.parse import urlencode

    return f"{path}#{urlencode(state)}"


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
    counts: Counter[tuple[str, str]] = Counter()
    for (site, batch, c, _), n in stats.findings.items():
        if c == code:
            counts[(batch, site)] += n
    figures = {"counts": plots.heatmap(
        f"{code} findings per batch and site (click a cell for its list)", counts,
        sorted({b for b, _ in counts}), sorted({s for _, s in counts}), text=lambda r, c, v: f"{v:.0f}",
        href=lambda batch, site: links.base_of(links.rule(code)) + _filtered(links.rule_list(code), site=site,
                                                                              batch=batch))}
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
    return {"code": code, "figures": figures, "quantities": sections, "table": table, "doc": doc,
            "listed": bool(counts)}


def _series(rows: list[dict[str, Any]], trace: str, x: str, y: Any) -> plots.Series:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        out[row[trace]][row[x]] = y(row)
    return dict(out)


# Finding lists and interaction pages ------------------------------------------------------------------------

def write_finding_lists(writer: render.Writer, grouped: Grouped, page_size: int) -> None:
    for (site, batch, family), items in sorted(grouped.lists.items()):
        count = max(1, math.ceil(len(items) / page_size))
        for number in range(1, count + 1):
            rows = items[(number - 1) * page_size: number * page_size]
            writer.write(links.findings(site, batch, family, number), "findings.html", site=site, batch=batch,
                         family=family, number=number, count=count, total=len(items),
                         rows=[(f, grouped.anchors.get(id(f)), grouped.folded.get(id(f), [])) for f in rows],
                         codes=sorted({f.code for f in rows}))


def write_interaction_pages(writer: render.Writer, grouped: Grouped, entries: dict[Place, Entry],
                            root: Path | None, workers: int, limits: MediaLimits = DEFAULT_LIMITS) -> None:
    """A page for every interaction known (`entries`; a clean one has no findings), through evidence.py.
    Pages whose findings, recordings and media budget did not change are kept; the rest are built by `workers`
    processes, each on a part of the interactions (the first also writes the pages evidence.py makes of the
    lists). Each page's media budget is its share of the whole dashboard's, counted here over every page with
    findings, so it is the same whichever worker builds the page, and whether it is built or kept."""
    share = limits.page_share(sum(bool(items) for items in grouped.interactions.values()))
    for place in entries:
        grouped.interactions.setdefault(place, [])
    changed = []
    for (batch, site, key), items in sorted(grouped.interactions.items()):
        entry = entries.get((batch, site, key), Entry())
        inputs = (str(root), entry.inputs, [(f, grouped.cause_anchor(f)) for f in items], limits, share)
        if not writer.keep(links.interaction(site, batch, key), inputs):
            changed.append((batch, site, key))
    writer.rendered += len(changed)
    shares = max(1, min(workers, len(changed) // 8))
    parts = [grouped.part(changed[i::shares], lists=i == 0) for i in range(shares)]
    link_unit_pages(grouped)  # evidence.py: here, not in a worker, so the lists written next link them
    render.in_parallel(lambda part: write_evidence_pages(writer.pages, part, root, limits, share), parts, workers)


def write_release_lists(writer: render.Writer, grouped: Grouped, entries: dict[Place, Entry]) -> None:
    """Each rule's and family's release-wide list (rows in data files), and the search over interactions."""
    folder = writer.pages.folder
    rows = [(f, grouped.anchors.get(id(f)), len(grouped.folded.get(id(f), [])))
            for items in grouped.lists.values() for f in items]
    counts = Counter(f.code for f, _, _ in rows)
    chunks = lists.write_rule_data(folder, rows, writer.pages.reviewed)
    for path, context in lists.list_pages(chunks, counts):
        writer.pages.write(path, "list.html", **context)
    scripts = lists.write_search_data(folder, entries, grouped.interactions)
    writer.pages.write(links.search(), "search.html", scripts=scripts, total=len(entries))


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
