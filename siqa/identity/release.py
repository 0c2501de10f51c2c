"""The release-wide identity pass: fingerprints in, ID001 and ID002 findings out, with the calibration report.

ID004 fingerprints every file and collects the rows on the `identity` channel; `FingerprintKeeper` keeps them
in the output folder's store as batches finish (`<out>/identity/fingerprints.parquet`, which grows batch after
batch). ID001 and ID002 are release rules (`siqa.release`): they read the store through `judgement`, which
compares every stored file with every other once for both, and writes `calibration.json` (per-site thresholds
and what they rest on) and `id_map.csv` (every file whose id the findings would change, and to what).
`siqa identity` runs the same rules over the stores of many output folders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from siqa.config import RuleSet
from siqa.dataset.errors import TableError
from siqa.dataset.tables import REQUIRED_COLUMNS, RootTables
from siqa.findings import Applicability, Finding, Fix, Scope
from siqa.identity import store
from siqa.identity.compare import Comparison, Split, compare
from siqa.identity.fingerprint import CHANNEL
from siqa.outputs.files import atomic_writer, write_json
from siqa.release import AuditedBatch, ReleaseContext, ReleaseView, keeper

FINGERPRINT_CODE = "ID004"
CALIBRATION_JSON = "calibration.json"
ID_MAP_CSV = "id_map.csv"
ID_MAP_COLUMNS = ["file_id", "participant_id", "proposed_id", "code", "confidence"]
EVIDENCE_SESSIONS = 20  # sessions listed by name in a finding's evidence (the count is always given)


@keeper(CHANNEL)
@dataclass
class FingerprintKeeper:
    """This run's fingerprints, merged into the output folder's store: a batch ID004 ran on replaces its rows."""

    out_dir: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    batches: set[str] = field(default_factory=set)  # batches whose rows this run replaces

    def add(self, batch: AuditedBatch, records: Sequence[dict[str, Any]]) -> None:
        self.rows.extend(store.compact(row) for row in records)
        if FINGERPRINT_CODE in batch.codes:
            self.batches.add(batch.info.name)

    def finish(self) -> None:
        if self.rows or self.batches:
            merged = store.merge(store.read_store(self.out_dir), store.frame(self.rows), self.batches)
            store.write_store(self.out_dir, merged)


class IdentityJudgement:
    """The comparison ID001 and ID002 report from (once per release view), with the root tables for fixes and
    the id map their findings fill."""

    def __init__(self, comparison: Comparison, tables: RootTables | None, out_dir: Path) -> None:
        self.comparison, self.tables, self.out_dir = comparison, tables, out_dir
        self.table = comparison.appearances.table
        self.id_map: list[dict[str, Any]] = []
        self._relationships: dict[str, list[dict[str, str]]] | None = None
        unmatched = sorted((s for s in comparison.splits if s.match is None), key=lambda s: (s.participant_id,
                                                                                             s.group))
        self.fresh = dict(zip((s.group for s in unmatched), new_ids(comparison, tables, len(unmatched))))
        self.merged = {m.participant_id: m.into for m in comparison.merges}  # a match itself merged: its target

    def sessions(self, appearances: tuple[int, ...]) -> dict[str, Any]:
        names = sorted(self.table["session_key"].iloc[list(appearances)])
        return {"count": len(names), "first": names[:EVIDENCE_SESSIONS]}

    def threshold(self, appearance: int) -> float:
        assert self.comparison.calibration is not None
        return round(self.comparison.calibration.model(self.table["site"].iloc[appearance]).threshold, 4)

    def files(self, appearance: int) -> list[str]:
        return list(self.table["files"].iloc[appearance])

    def proposed(self, split: Split) -> str:
        """The id a split group should carry: the id it matches (or what that id merges into), else a new one."""
        return self.merged.get(split.match, split.match) if split.match else self.fresh[split.group]

    def finding(
        self,
        ctx: ReleaseContext,
        appearance: int,
        message: str,
        confidence: float,
        evidence: dict[str, Any],
        proposed_id: str,
    ) -> Finding | None:
        """The finding about one session, or None where the rule set disables the rule or the confidence is
        below its `min_confidence`; its fix relabels the id in the session's `relationships.csv` row."""
        row = self.table.iloc[appearance]
        code = ctx.rule.code
        finding = ctx.report(message, site=row["site"], label=_label(row["batch"]),
                             scope=Scope.SESSION, confidence=confidence, session_key=row["session_key"],
                             batch=row["batch"], evidence={**evidence, "files": list(row["files"])},
                             fix=self._relabel(row["session_key"], row["participant_id"], proposed_id, code))
        if finding is None:
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
        return finding

    def write_id_map(self) -> None:
        """`id_map.csv` as the findings so far have it (ID001's, then ID002's: each rule writes it when done)."""
        with atomic_writer(self.out_dir / store.STORE_DIR / ID_MAP_CSV) as handle:
            pd.DataFrame(self.id_map, columns=ID_MAP_COLUMNS).sort_values(["file_id", "code"]).to_csv(
                handle, index=False)

    def refusal_skips(self, ctx: ReleaseContext) -> None:
        """When the comparison refuses to calibrate (too few recurring ids or appearances), the rule judges
        nobody: one skip per appearance (an id in a session) where the rule is enabled, saying why; without
        any appearance (no file gave a fingerprint), one skip about the release."""
        reason = refusal_reason(self.comparison.report, ctx.ruleset.signal("identity"))
        if not len(self.table):
            ctx.skip(reason)
        for row in self.table.sort_values(["session_key", "participant_id"]).to_dict("records"):
            if ctx.enabled(row["site"], _label(row["batch"])):
                ctx.skip(reason, scope=Scope.SESSION, site=row["site"], unit=row["session_key"], batch=row["batch"],
                         participant_id=row["participant_id"])

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


def _label(batch: str) -> str:
    """The label a stored row's batch name (`label/split/batch`) starts with: the rule set's label layer."""
    return str(batch).split("/", 1)[0]


def judgement(release: ReleaseView, ruleset: RuleSet) -> IdentityJudgement:
    """Every stored file compared with every other, once per release view (ID001 and ID002 share it), and the
    calibration report written beside the store."""

    def judge() -> IdentityJudgement:
        settings = ruleset.signal("identity")
        comparison = compare(store.read_store(release.out_dir), settings, tuple(settings["signals"]))
        identity_dir = release.out_dir / store.STORE_DIR
        identity_dir.mkdir(parents=True, exist_ok=True)
        write_json(identity_dir / CALIBRATION_JSON, {
            **comparison.report,
            "thresholds": comparison.calibration.describe() if comparison.calibration else None,
        })
        return IdentityJudgement(comparison, release.tables, release.out_dir)

    return release.shared("identity", judge)
