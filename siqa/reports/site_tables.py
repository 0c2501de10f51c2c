"""Per-site and per-batch tables: finding counts, flagged-interaction rates, scores and measured quantities.

`SiteStats` accumulates one audit output folder (or one shard of it) and combines with `+`, like
`AuditSummary`, so reports merge across shards and batches. Quantiles do not combine from summaries, so the
measured values themselves are kept: findings are sparse and metrics are one number per unit, small next to
what they describe.

Definitions the tables, the dashboard and the gate share:
- a family's `rate` at a site: the share of its interactions with at least one warning or error of that family
  (file and interaction findings; session- and batch-wide findings are counted but have no interaction);
- a site's `score`: the percentage of its interactions with no warning or error at all.

Rates need denominators (interactions per site and batch). They come, most exact first, from the audit's
`units.jsonl` (one line per session), from indexing the dataset root, or from the units that measuring rules
saw (`metrics.jsonl`); with none, rates and scores stay empty rather than guessed.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siqa.dataset.ids import FileId
from siqa.findings import Finding, Scope, Severity
from siqa.norms import JUDGED_WITH
from siqa.outputs.files import (
    FINDINGS_JSONL,
    METRICS_JSONL,
    UNITS_JSONL,
    atomic_writer,
    read_findings,
    read_norms,
    write_frame,
)

TABLES_DIR = "tables"
UNIT_KINDS = ("sessions", "interactions", "files")
SEVERITIES = tuple(s.value for s in sorted(Severity, key=lambda s: -s.rank))  # error, warning, info
SITE = ("site",)
SITE_BATCH = ("site", "batch")

SiteBatch = tuple[str, str]
NORM_FIELDS = ("site", "batch", "code", "metric", "basis", "units", "side", "median", "spread", "p05", "p95",
               *JUDGED_WITH)


class ReportInputError(Exception):
    """An audit output folder that cannot be read (missing, or without findings)."""


def numeric_evidence(evidence: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every finite number in a finding's evidence, nested keys joined with dots (`durations.wav`)."""
    for key, value in evidence.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from numeric_evidence(value, f"{name}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            yield name, float(value)


@dataclass
class SiteStats:
    """Counts, flagged interactions and measured values per (site, batch); `a + b` merges shards, batches.

    `units`: (site, batch, kind) -> count. `findings`: (site, batch, code, severity) -> count. `flagged`:
    (site, batch, family) -> interaction keys with a warning or error. `values`: (site, batch, code, quantity,
    source) -> measured values, source "evidence" (of findings) or "metric" (every unit measured).
    `unit_sources`: batch -> where its denominators came from. `norms`: the distributions relative rules
    judged against (`norms.jsonl`, `siqa.norms.Norm`), one record per site, batch, code and metric.
    `reviewed`: (site, batch, code) -> findings a curator rejected as not a defect (`siqa.decisions`): shown,
    never counted against their site.
    """

    units: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    findings: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    flagged: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    values: dict[tuple[str, str, str, str, str], list[float]] = field(default_factory=dict)
    unit_sources: dict[str, str] = field(default_factory=dict)
    norms: list[dict[str, Any]] = field(default_factory=list)
    reviewed: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add_finding(self, finding: Finding, rejected: bool = False) -> None:
        """Counts a finding, flags its interaction and keeps its evidence; one folded into its root
        (`caused_by`) adds nothing: its defect is counted at the root. One a curator `rejected` is only
        counted as reviewed."""
        if finding.caused_by is not None:
            return
        site, batch = finding.site, finding.batch or ""
        if rejected:
            self.reviewed[(site, batch, finding.code)] += 1
            return
        self.findings[(site, batch, finding.code, finding.severity.value)] += 1
        if finding.interaction_key and finding.severity.rank >= Severity.WARNING.rank:
            self.flagged.setdefault((site, batch, finding.family), set()).add(finding.interaction_key)
        for name, value in numeric_evidence(finding.evidence):
            self.values.setdefault((site, batch, finding.code, name, "evidence"), []).append(value)

    def add_metric(self, record: dict[str, Any]) -> None:
        key = (record["site"], record["batch"], record["code"], record["metric"], "metric")
        value = float(record["value"])
        if math.isfinite(value):
            self.values.setdefault(key, []).append(value)

    def add_units(self, site: str, batch: str, counts: dict[str, int], source: str) -> None:
        for kind in UNIT_KINDS:
            self.units[(site, batch, kind)] += int(counts.get(kind, 0))
        self.unit_sources[batch] = source

    def __iadd__(self, other: SiteStats) -> SiteStats:
        self.units.update(other.units)
        self.findings.update(other.findings)
        for group, keys in other.flagged.items():
            self.flagged.setdefault(group, set()).update(keys)
        for series, values in other.values.items():
            self.values.setdefault(series, []).extend(values)
        self.unit_sources.update(other.unit_sources)
        self.norms.extend(other.norms)
        self.reviewed.update(other.reviewed)
        return self

    def add_norm(self, record: dict[str, Any]) -> None:
        """One line of `norms.jsonl`."""
        self.norms.append({name: record.get(name) for name in NORM_FIELDS})

    def norm_table(self) -> pd.DataFrame:
        """The norms judged against, per site, batch, rule code and metric (a norm is of one batch: the sites
        of a batch are compared within it). The same norm read twice (one folder given twice) is one row; two
        shards of a batch, judged apart, give a row each."""
        rows = {tuple(r.get(name) for name in NORM_FIELDS): r for r in self.norms}
        ordered = sorted(rows.values(), key=lambda r: tuple(str(r[n]) for n in NORM_FIELDS))
        return _frame(ordered, list(NORM_FIELDS)).astype({"units": "Int64", "median": float, "spread": float,
                                                          "p05": float, "p95": float})

    def __add__(self, other: SiteStats) -> SiteStats:
        merged = SiteStats()
        merged += self
        merged += other
        return merged

    @property
    def site_batches(self) -> list[SiteBatch]:
        keys = {(s, b) for s, b, _ in self.units} | {(s, b) for s, b, _, _ in self.findings}
        keys |= {(s, b) for s, b, _ in self.reviewed}
        return sorted(keys | {(s, b) for s, b, *_ in self.values})

    @property
    def sites(self) -> list[str]:
        return sorted({site for site, _ in self.site_batches})

    @property
    def batches(self) -> list[str]:
        return sorted({batch for _, batch in self.site_batches})

    def family_table(self, by: tuple[str, ...]) -> pd.DataFrame:
        """Per group and rule family: findings by severity, flagged interactions, interactions, the rate."""
        counts: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for (site, batch, code, severity), n in self.findings.items():
            counts[(*_group(by, site, batch), code.rstrip("0123456789"))][severity] += n
        flagged = self._flagged(by, with_family=True)
        interactions = self._units(by, "interactions")
        rows = []
        for key in sorted(counts.keys() | flagged.keys()):
            c = counts[key]
            rows.append({**dict(zip((*by, "family"), key)), **{s: c[s] for s in SEVERITIES},
                         "findings": sum(c.values()), "flagged": len(flagged.get(key, ())),
                         "interactions": interactions.get(key[:-1], 0),
                         "rate": _ratio(len(flagged.get(key, ())), interactions.get(key[:-1], 0))})
        return _frame(rows, [*by, "family", *SEVERITIES, "findings", "flagged", "interactions", "rate"])

    def score_table(self, by: tuple[str, ...]) -> pd.DataFrame:
        """Per group: units, findings by severity, interactions with any warning or error, and the score."""
        counts: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for (site, batch, _, severity), n in self.findings.items():
            counts[_group(by, site, batch)][severity] += n
        reviewed: Counter[tuple[str, ...]] = Counter()
        for (site, batch, _), n in self.reviewed.items():
            reviewed[_group(by, site, batch)] += n
        flagged = self._flagged(by, with_family=False)
        units = {kind: self._units(by, kind) for kind in UNIT_KINDS}
        sources: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for site, batch in self.site_batches:
            sources[_group(by, site, batch)].add(self.unit_sources.get(batch, "none"))
        rows = []
        for key in sorted(sources):
            interactions = units["interactions"].get(key, 0)
            share = _ratio(interactions - len(flagged.get(key, ())), interactions)
            rows.append({**dict(zip(by, key)), **{kind: units[kind].get(key, 0) for kind in UNIT_KINDS},
                         **{s: counts[key][s] for s in SEVERITIES}, "findings": sum(counts[key].values()),
                         "flagged": len(flagged.get(key, ())), "score": 100 * share,
                         "units_from": ", ".join(sorted(sources[key])), "reviewed": reviewed[key]})
        return _frame(rows, [*by, *UNIT_KINDS, *SEVERITIES, "findings", "flagged", "score", "units_from",
                             "reviewed"])

    def quantity_table(self, by: tuple[str, ...]) -> pd.DataFrame:
        """Per group, rule code and measured quantity: count, mean, median and 90th percentile."""
        grouped: dict[tuple[str, ...], list[float]] = defaultdict(list)
        for (site, batch, code, name, source), values in self.values.items():
            grouped[(*_group(by, site, batch), code, name, source)].extend(values)
        rows = [{**dict(zip((*by, "code", "quantity", "source"), key)), **describe(values)}
                for key, values in sorted(grouped.items())]
        return _frame(rows, [*by, "code", "quantity", "source", "count", "mean", "median", "p90"])

    def _units(self, by: tuple[str, ...], kind: str) -> Counter[tuple[str, ...]]:
        out: Counter[tuple[str, ...]] = Counter()
        for (site, batch, k), n in self.units.items():
            if k == kind:
                out[_group(by, site, batch)] += n
        return out

    def _flagged(self, by: tuple[str, ...], with_family: bool) -> dict[tuple[str, ...], set[str]]:
        out: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for (site, batch, family), keys in self.flagged.items():
            out[(*_group(by, site, batch), family) if with_family else _group(by, site, batch)] |= keys
        return out


def describe(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=float)
    return {"count": int(array.size), "mean": float(array.mean()), "median": float(np.median(array)),
            "p90": float(np.percentile(array, 90))}


def _group(by: tuple[str, ...], site: str, batch: str) -> tuple[str, ...]:
    return (site, batch) if by == SITE_BATCH else (site,)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole > 0 else math.nan


_TEXT_COLUMNS = {"site", "batch", "family", "code", "quantity", "source", "units_from", "metric", "basis"}


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows as a table whose text columns stay text even when it is empty (for Parquet readers)."""
    return pd.DataFrame(rows, columns=columns).astype({c: "string" for c in columns if c in _TEXT_COLUMNS})


# Reading audit output folders -------------------------------------------------------------------------------

def folder_findings(folder: Path) -> Iterator[Finding]:
    """The findings of an audit output folder, streamed; a missing or malformed file is a ReportInputError."""
    path = folder / FINDINGS_JSONL
    if not path.is_file():
        raise ReportInputError(f"{folder} is not an audit output folder: {path} is missing")
    try:
        yield from read_findings(path)
    except (KeyError, TypeError, ValueError) as error:
        problem = f"{type(error).__name__}: {error}"
        raise ReportInputError(f"{path} is not a findings file siqa wrote: {problem}") from None


def read_folder(folder: Path, root: Path | None = None, rejected: Collection[str] = frozenset()) -> SiteStats:
    """The stats of one audit output folder; `root` (the dataset) supplies denominators the folder lacks.
    `rejected`: keys (`siqa.decisions.finding_key`) of findings a curator rejected as not a defect."""
    from siqa.decisions import finding_key  # siqa.decisions imports the gate, which imports this module

    stats = SiteStats()
    for finding in folder_findings(folder):
        stats.add_finding(finding, bool(rejected) and finding_key(finding) in rejected)
    metrics = list(_jsonl(folder / METRICS_JSONL))
    for record in metrics:
        stats.add_metric(record)
    for record in read_norms(folder):  # none in a folder audited before siqa wrote norms.jsonl
        stats.add_norm(record)
    for (site, batch), counts, source in _denominators(folder, root, stats.batches, metrics):
        stats.add_units(site, batch, counts, source)
    return stats


def read_folders(folders: Iterable[Path], root: Path | None = None,
                 rejected: Collection[str] = frozenset()) -> SiteStats:
    total = SiteStats()
    for folder in folders:
        total += read_folder(folder, root, rejected)
    return total


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if path.is_file():
        with open(path, encoding="utf-8") as handle:
            yield from (json.loads(line) for line in handle if line.strip())


Denominator = tuple[SiteBatch, dict[str, int], str]


def _denominators(folder: Path, root: Path | None, batches: list[str],
                  metrics: list[dict[str, Any]]) -> list[Denominator]:
    units = list(_jsonl(folder / UNITS_JSONL))
    if units:
        sessions = ((r["site"], r["batch"], r["session_key"], r["interactions"], r["files"]) for r in units)
        return _count(sessions, UNITS_JSONL)
    if root is not None:
        return _count(_dataset_units(root, batches), "dataset")
    return _count(_measured_units(metrics), METRICS_JSONL)


def _count(sessions: Iterable[tuple[str, str, str, int, int]], source: str) -> list[Denominator]:
    totals: dict[SiteBatch, Counter[str]] = defaultdict(Counter)
    for site, batch, _, interactions, files in sessions:
        totals[(site, batch)].update(sessions=1, interactions=interactions, files=files)
    return [(key, dict(counts), source) for key, counts in sorted(totals.items())]


def dataset_sessions(root: Path, name: str) -> list[Any]:
    """The sessions (`siqa.dataset.units.Session`) of a batch named as findings name it (`label/split/batch`),
    from the dataset index; none when the name is not one or the root does not hold it."""
    from siqa.dataset.batch import open_batches
    from siqa.dataset.errors import DatasetNotFound

    parts = name.split("/")
    if len(parts) != 3:
        return []
    try:
        return list(open_batches(root, f"{parts[1]}/{parts[2]}", parts[0])[0].sessions)
    except DatasetNotFound:
        return []


def _dataset_units(root: Path, batches: list[str]) -> Iterator[tuple[str, str, str, int, int]]:
    """Sessions of each batch the findings name (`label/split/batch`), counted from the dataset index."""
    for name in batches:
        for session in dataset_sessions(root, name):
            yield (session.site, name, session.key, len(session.interactions),
                   sum(len(i.participants) for i in session.interactions))


def measured_unit(record: dict[str, Any]) -> tuple[FileId | None, str]:
    """The file (if any) and the interaction key a `metrics.jsonl` record measured ("" for wider units)."""
    unit, scope = str(record.get("unit") or ""), record.get("scope")
    file_id = FileId.search(unit) if scope == Scope.FILE.value else None
    return file_id, file_id.interaction_key if file_id else unit if scope == Scope.INTERACTION.value else ""


def _measured_units(metrics: list[dict[str, Any]]) -> Iterator[tuple[str, str, str, int, int]]:
    """Units that measuring rules saw (each measures every unit it can read): a lower bound of the audit."""
    files: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    interactions: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for record in metrics:
        file_id, interaction = measured_unit(record)
        if interaction:
            session = interaction.rsplit("_", 1)[0]
            interactions[(record["site"], record["batch"], session)].add(interaction)
            if file_id:
                files[(record["site"], record["batch"], session)].add(str(file_id))
    for (site, batch, session), keys in sorted(interactions.items()):
        yield site, batch, session, len(keys), len(files[(site, batch, session)])


# Writing ----------------------------------------------------------------------------------------------------

def site_tables(stats: SiteStats) -> dict[str, pd.DataFrame]:
    """Every table by name: per site (`site_*`) and per site and batch (`batch_*`)."""
    tables = {}
    for prefix, by in (("site", SITE), ("batch", SITE_BATCH)):
        tables[f"{prefix}_scores"] = stats.score_table(by)
        tables[f"{prefix}_families"] = stats.family_table(by)
        tables[f"{prefix}_quantities"] = stats.quantity_table(by)
    tables["batch_norms"] = stats.norm_table()  # norms are per site and batch only
    return tables


def write_site_tables(stats: SiteStats, out_dir: Path) -> list[Path]:
    """`<out>/tables/<name>.parquet` and `.csv` for every table; returns the paths written."""
    folder = out_dir / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in site_tables(stats).items():
        write_frame(table, folder / f"{name}.parquet")
        with atomic_writer(folder / f"{name}.csv") as handle:
            table.to_csv(handle, index=False)
        written += [folder / f"{name}.parquet", folder / f"{name}.csv"]
    return written
