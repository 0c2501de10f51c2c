"""The release-wide identity pass: fingerprints in, ID001 and ID002 findings out, with the calibration report.

`siqa audit` runs it after its sessions (over the store of its output folder, which grows batch after batch),
and `siqa identity` runs it over the stores of many output folders. Both write `<out>/identity/`:
`fingerprints.parquet` (the store), `calibration.json` (per-site thresholds and what they rest on) and
`id_map.csv` (every file whose id the findings would change, and to what).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from siqa.config import RuleSet
from siqa.dataset.errors import TableError
from siqa.dataset.tables import REQUIRED_COLUMNS, RootTables
from siqa.findings import Applicability, Finding, Fix, Scope
from siqa.identity import store
from siqa.identity.appearances import SIGNALS
from siqa.identity.compare import Comparison, compare
from siqa.identity.fingerprint import CHANNEL
from siqa.outputs.files import atomic_writer, write_json
from siqa.outputs.results import TaskResult
from siqa.registry import get_rule, matches

RELEASE_CODES = ("ID001", "ID002")
FINGERPRINT_CODE = "ID004"
CALIBRATION_JSON = "calibration.json"
ID_MAP_CSV = "id_map.csv"
EVIDENCE_SESSIONS = 20  # sessions listed by name in a finding's evidence (the count is always given)


def _selected(ruleset: RuleSet, code: str) -> bool:
    return matches(code, ruleset.select) and not matches(code, ruleset.ignore)


def schedule_fingerprints(ruleset: RuleSet) -> None:
    """ID001 and ID002 compare what ID004 computes: selecting either selects ID004, unless it is ignored."""
    if (
        any(_selected(ruleset, code) for code in RELEASE_CODES)
        and not matches(FINGERPRINT_CODE, ruleset.select)
        and not matches(FINGERPRINT_CODE, ruleset.ignore)
    ):
        ruleset.select.append(FINGERPRINT_CODE)


@dataclass
class FingerprintSink:
    """This run's fingerprints, gathered from task results and merged into the output folder's store."""

    out_dir: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    batches: set[str] = field(default_factory=set)  # batches whose rows this run replaces

    def add(self, result: TaskResult) -> None:
        self.rows.extend(store.compact(row) for row in result.collected.get(CHANNEL, []))

    def audited(self, batch: str, codes: tuple[str, ...]) -> None:
        if FINGERPRINT_CODE in codes:
            self.batches.add(batch)

    def finish(self) -> pd.DataFrame:
        merged = store.merge(store.read_store(self.out_dir), store.frame(self.rows), self.batches)
        if self.rows or self.batches:
            store.write_store(self.out_dir, merged)
        return merged


class ReleaseView:
    """What the release-wide rules see: the comparison, the rule set, and the root tables for fixes."""

    def __init__(self, comparison: Comparison, ruleset: RuleSet, tables: RootTables | None) -> None:
        self.comparison, self.ruleset, self.tables = comparison, ruleset, tables
        self.table = comparison.appearances.table
        self.id_map: list[dict[str, Any]] = []
        self._relationships: dict[str, list[dict[str, str]]] | None = None

    def sessions(self, appearances: tuple[int, ...]) -> dict[str, Any]:
        names = sorted(self.table["session_key"].iloc[list(appearances)])
        return {"count": len(names), "first": names[:EVIDENCE_SESSIONS]}

    def threshold(self, appearance: int) -> float:
        assert self.comparison.calibration is not None
        return round(self.comparison.calibration.model(self.table["site"].iloc[appearance]).threshold, 4)

    def files(self, appearance: int) -> list[str]:
        return list(self.table["files"].iloc[appearance])

    def finding(
        self,
        code: str,
        appearance: int,
        message: str,
        confidence: float,
        evidence: dict[str, Any],
        proposed_id: str,
    ) -> Finding | None:
        """The finding about one session, or None where the rule set disables the rule or the confidence is
        below its `min_confidence`; its fix relabels the id in the session's `relationships.csv` row."""
        row = self.table.iloc[appearance]
        label = str(row["batch"]).split("/", 1)[0]
        if not self.ruleset.enabled(code, site=row["site"], label=label):
            return None
        settings = self.ruleset.settings(code, get_rule(code).severity, site=row["site"], label=label)
        if confidence < settings.get("min_confidence"):
            return None
        self.id_map += [
            {
                "file_id": f,
                "participant_id": row["participant_id"],
                "proposed_id": proposed_id,
                "code": code,
                "confidence": round(confidence, 4),
            }
            for f in row["files"]
        ]
        return Finding(
            code=code,
            severity=settings.severity,
            confidence=round(min(1.0, max(0.0, confidence)), 4),
            scope=Scope.SESSION,
            site=row["site"],
            message=message,
            session_key=row["session_key"],
            batch=row["batch"],
            evidence={**evidence, "files": list(row["files"])},
            fix=self._relabel(row["session_key"], row["participant_id"], proposed_id, code),
        )

    def _relabel(self, session: str, old: str, new: str, code: str) -> Fix | None:
        """`old` becomes `new` in the session's relationships row (the release's record of who sat in it)."""
        rows = self._relationship_rows().get(session, [])
        columns = [c for c in ("participant_a", "participant_b") if len(rows) == 1 and rows[0][c] == old]
        if not columns:
            return None
        column = (self.tables.mapping.get("relationships", {}) if self.tables else {}).get(
            columns[0], columns[0]
        )
        what = "split" if code == "ID001" else "merge"
        return Fix(
            Applicability.UNSAFE,
            f"relationships.csv#{session}",
            [
                {"op": "test", "path": f"/{column}", "value": old},
                {"op": "replace", "path": f"/{column}", "value": new},
            ],
            f"{what} the id: {old} in session {session} becomes {new}",
        )

    def _relationship_rows(self) -> dict[str, list[dict[str, str]]]:
        if self._relationships is None:
            try:
                frame = self.tables.relationships if self.tables else None
            except TableError:
                frame = None
            columns = list(REQUIRED_COLUMNS["relationships"])
            self._relationships = (
                {}
                if frame is None
                else {key: rows.to_dict("records") for key, rows in frame[columns].groupby("session_key")}
            )
        return self._relationships


def new_ids(comparison: Comparison, tables: RootTables | None, count: int) -> list[str]:
    """`count` participant ids used nowhere in the store or in participants.csv, after the highest in use."""
    used = list(comparison.appearances.table["participant_id"])
    try:
        participants = tables.participants if tables else None
    except TableError:
        participants = None
    if participants is not None:
        used += list(participants["participant_id"])
    numbers = [int(m.group(1)) for m in map(re.compile(r"^P(\d+)$").match, used) if m]
    start = max(numbers, default=0) + 1
    width = max(4, len(str(start + count)))
    return [f"P{n:0{width}d}" for n in range(start, start + count)]


@dataclass
class ReleaseResult:
    """The release-wide rules' findings, and the units they could not judge (records as in `skips.jsonl`)."""

    findings: list[Finding] = field(default_factory=list)
    skips: list[dict[str, Any]] = field(default_factory=list)


def refusal_reason(report: dict[str, Any], settings: dict[str, Any]) -> str:
    """Why the comparison judged nobody, in words a curator can act on: what the release holds, what the
    calibration needs, and the reason it gave."""
    ids, appearances = int(report.get("participant_ids", 0)), int(report.get("appearances", 0))
    if not appearances:
        return f"identity comparison: {report.get('reason')}"
    dof, pairs = settings.get("min_within_dof", "?"), settings.get("min_pairs", "?")
    return (f"identity calibration refused: {ids} ids and {appearances} appearances ({appearances - ids} "
            f"beyond one per id); it needs {dof} appearances beyond one per id to learn a signal and {pairs} "
            f"same-id and different-id pairs each to calibrate: {report.get('reason') or 'no reason given'}")


def refusal_skips(comparison: Comparison, ruleset: RuleSet, reason: str) -> list[dict[str, Any]]:
    """One skip per appearance (an id in a session) and release-wide rule enabled at its site, as
    `skips.jsonl` records (session scope, the session as the unit, the id beside it). Without any appearance
    (no file gave a fingerprint), one batch-scope skip per release-wide rule: an empty comparison is valid."""
    table = comparison.appearances.table
    if not len(table):
        return [{"code": code, "scope": Scope.BATCH.value, "site": "*", "unit": None, "reason": reason}
                for code in RELEASE_CODES if _selected(ruleset, code)]
    skips = []
    for row in table.sort_values(["session_key", "participant_id"]).to_dict("records"):
        label = str(row["batch"]).split("/", 1)[0]
        for code in RELEASE_CODES:
            if ruleset.enabled(code, site=row["site"], label=label):
                skips.append({"code": code, "scope": Scope.SESSION.value, "site": row["site"],
                              "batch": row["batch"], "unit": row["session_key"],
                              "participant_id": row["participant_id"], "reason": reason})
    return skips


def release_findings(
    rows: pd.DataFrame,
    ruleset: RuleSet,
    tables: RootTables | None,
    out_dir: Path,
    signals: tuple[str, ...] = SIGNALS,
) -> list[Finding]:
    """Compare every stored file with every other; write the calibration report and the id map."""
    return release_results(rows, ruleset, tables, out_dir, signals).findings


def release_results(
    rows: pd.DataFrame,
    ruleset: RuleSet,
    tables: RootTables | None,
    out_dir: Path,
    signals: tuple[str, ...] = SIGNALS,
) -> ReleaseResult:
    """`release_findings`, with a skip for every appearance the rules could not judge: when the comparison
    refuses to calibrate (too few recurring ids or appearances), ID001 and ID002 judge nobody, and say why."""
    # ID001 and ID002, emitted with their own arguments (the registry types every check as a scheduled one)
    one_id_two_people, two_ids_one_person = (cast(Callable[..., Finding | None], get_rule(code).check)
                                             for code in RELEASE_CODES)
    if not any(_selected(ruleset, code) for code in RELEASE_CODES):  # per-site disabling: ReleaseView.finding
        return ReleaseResult()
    settings = ruleset.signal("identity")
    comparison = compare(rows, settings, signals)
    skips = ([] if comparison.calibration is not None
             else refusal_skips(comparison, ruleset, refusal_reason(comparison.report, settings)))
    view = ReleaseView(comparison, ruleset, tables)
    findings: list[Finding | None] = []
    unmatched = sorted(
        (s for s in comparison.splits if s.match is None), key=lambda s: (s.participant_id, s.group)
    )
    fresh = dict(zip((s.group for s in unmatched), new_ids(comparison, tables, len(unmatched))))
    merged = {
        m.participant_id: m.into for m in comparison.merges
    }  # a match that is itself merged: its target
    for split in comparison.splits:
        proposed = merged.get(split.match, split.match) if split.match else fresh[split.group]
        findings += [one_id_two_people(split, a, view, proposed) for a in split.group]
    for merge in comparison.merges:
        findings += [two_ids_one_person(merge, a, view) for a in merge.group]
    identity_dir = out_dir / store.STORE_DIR
    identity_dir.mkdir(parents=True, exist_ok=True)
    write_json(
        identity_dir / CALIBRATION_JSON,
        {
            **comparison.report,
            "thresholds": comparison.calibration.describe() if comparison.calibration else None,
        },
    )
    with atomic_writer(identity_dir / ID_MAP_CSV) as handle:
        pd.DataFrame(
            view.id_map, columns=["file_id", "participant_id", "proposed_id", "code", "confidence"]
        ).sort_values(["file_id", "code"]).to_csv(handle, index=False)
    return ReleaseResult(sorted((f for f in findings if f is not None), key=Finding.sort_key), skips)
