from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from siqa.context import RuleContext, Skip
from siqa.dataset.errors import TableError
from siqa.dataset.tables import REQUIRED_COLUMNS, RootTables
from siqa.dataset.units import Session
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule


@dataclass(frozen=True)
class _Index:
    relationships: dict[str, list[dict[str, str]]] | None  # session key -> its rows
    participants: frozenset[str] | None


@lru_cache(maxsize=4)
def _index(root: str, mapping: str, stamps: tuple[tuple[int, int], ...]) -> _Index:
    """The tables indexed once per worker process (a task receives an unloaded copy of the root tables);
    `stamps` (size, mtime of each table) makes a changed table load again."""
    tables = RootTables(Path(root), json.loads(mapping))
    relationships, participants = tables.relationships, tables.participants
    grouped = (
        None
        if relationships is None
        else {
            key: rows.to_dict("records")
            for key, rows in relationships[list(REQUIRED_COLUMNS["relationships"])].groupby("session_key")
        }
    )
    return _Index(grouped, None if participants is None else frozenset(participants["participant_id"]))


def _stamps(root: Path) -> tuple[tuple[int, int], ...]:
    stats = [(root / f"{name}.csv") for name in ("relationships", "participants")]
    return tuple((s.stat().st_size, s.stat().st_mtime_ns) if s.exists() else (-1, -1) for s in stats)


@rule("ID003", "id-table-inconsistency", scope=Scope.SESSION, severity=Severity.WARNING, reads=("json",))
def id_table_inconsistency(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """The root tables contradict themselves or the files about who sat in a session.

    ## What it detects
    For each session, against `relationships.csv` and `participants.csv` at the dataset root:
    - `same_id_partners`: the session's relationships row gives both partners the same id;
    - `conflicting_rows`: the session has several relationships rows that disagree;
    - `row_ids_differ`: the relationships row names other ids than the session's files carry;
    - `unknown_ids`: participant ids of the session's files that `participants.csv` does not list.

    ## Why it matters
    The tables are where the owners record who was recorded; where they contradict each other, the
    relationship label or the personality scores attached to a person are someone else's, or nobody's.

    ## Evidence
    `kind` (above), `participant_ids` (of the session's files), and `rows` (the relationships rows) or
    `unknown_ids`.

    ## Thresholds
    This rule has no thresholds; a release without one of the tables is not checked against it.
    """
    tables = ctx.batch.tables
    if tables is None:
        raise Skip("no root tables")
    try:
        index = _index(
            str(tables.root), json.dumps(tables.mapping, sort_keys=True), _stamps(Path(tables.root))
        )
    except TableError as error:
        raise Skip(str(error)) from None
    ids = sorted({pf.file_id.participant_id for i in session.interactions for pf in i.participants})
    rows = (index.relationships or {}).get(session.key, [])
    pairs = {(r["participant_a"], r["participant_b"], r["relationship"]) for r in rows}
    evidence = {"participant_ids": ids, "rows": [dict(r) for r in rows]}
    if any(r["participant_a"] == r["participant_b"] for r in rows):
        yield ctx.report(
            session,
            f"relationships.csv gives both partners of {session.key} the same id {rows[0]['participant_a']}",
            evidence={"kind": "same_id_partners", **evidence},
        )
    if len(pairs) > 1:
        yield ctx.report(
            session,
            f"relationships.csv has {len(rows)} disagreeing rows for {session.key}",
            evidence={"kind": "conflicting_rows", **evidence},
        )
    elif pairs and not set(ids) <= {r["participant_a"] for r in rows} | {r["participant_b"] for r in rows}:
        yield ctx.report(
            session,
            f"relationships.csv names {rows[0]['participant_a']} and "
            f"{rows[0]['participant_b']} for {session.key}, its files carry {', '.join(ids)}",
            evidence={"kind": "row_ids_differ", **evidence},
        )
    unknown = [p for p in ids if index.participants is not None and p not in index.participants]
    if unknown:
        yield ctx.report(
            session,
            f"participants.csv does not list {', '.join(unknown)} of {session.key}",
            evidence={"kind": "unknown_ids", "participant_ids": ids, "unknown_ids": unknown},
        )
