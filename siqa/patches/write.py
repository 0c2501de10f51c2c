"""From findings to `patches.jsonl`: every fix checked against the target it was computed on, merged per target.

Fixes are taken in priority order (safe before unsafe before display-only, then higher confidence, then code and
id), so when two conflict the more trustworthy one is kept and the other is marked `conflict`, naming the fix and
the pointer it collides with. A fix is all or nothing: when one of its parts (a per-modality fix may change several
files) is invalid or conflicts, every part is marked so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siqa.findings import Applicability, Finding, Fix
from siqa.patches.conflicts import Touch, clash, footprint
from siqa.patches.content import Part, read_parts
from siqa.patches.modality import split_fix
from siqa.patches.model import PATCHES_JSONL, FixStatus, PatchFix, PatchRecord, fix_id, write_records
from siqa.patches.ops import PatchError, apply_patch
from siqa.patches.rows import is_table, split_rows
from siqa.patches.targets import Target, TargetError, parse_target, resolve_inside

_RANK = {Applicability.SAFE: 0, Applicability.UNSAFE: 1, Applicability.DISPLAY_ONLY: 2}


@dataclass(frozen=True)
class FixIssue:
    fix_id: str
    code: str
    target: str
    status: FixStatus
    reason: str


@dataclass
class PatchReport:
    path: Path
    targets: int = 0
    fixes: int = 0  # fixes that became patches (status ok)
    issues: list[FixIssue] = field(default_factory=list)  # conflicting and invalid fixes, in record order

    @property
    def conflicts(self) -> list[FixIssue]:
        return [i for i in self.issues if i.status is FixStatus.CONFLICT]

    @property
    def invalid(self) -> list[FixIssue]:
        return [i for i in self.issues if i.status is FixStatus.INVALID]


@dataclass
class _Candidate:
    id: str
    finding: Finding
    fix: Fix
    parts: list[tuple[str, list[dict[str, Any]]]]
    error: str = ""

    def priority(self) -> tuple[int, float, str, str]:
        return _RANK[self.fix.applicability], -self.finding.confidence, self.finding.code, self.id


@dataclass
class _TargetState:
    key_column: str | None = None
    part: Part | None = None
    error: str = ""
    original: Any = None
    document: Any = None  # with the fixes accepted so far applied
    accepted: list[tuple[_Candidate, list[Touch]]] = field(default_factory=list)
    fixes: list[PatchFix] = field(default_factory=list)


def _key_column(text: str, table_columns: dict[str, dict[str, str]]) -> str | None:
    """The key column of a row target's table, as its header spells it (through the rule set's mapping)."""
    if "#" not in text:
        return None
    from siqa.dataset.tables import REQUIRED_COLUMNS

    table = Path(text.partition("#")[0]).stem
    if table not in REQUIRED_COLUMNS:
        raise TargetError(f"{text!r}: unknown table {table!r} (known: {', '.join(REQUIRED_COLUMNS)})")
    canonical = REQUIRED_COLUMNS[table][0]
    return table_columns.get(table, {}).get(canonical, canonical)


def _candidates(findings: Iterable[Finding]) -> list[_Candidate]:
    seen: dict[str, _Candidate] = {}
    for finding in findings:
        fix = finding.fix
        if fix is None:
            continue
        ident = fix_id(finding.code, fix.target, fix.operations)
        if ident in seen:
            continue
        try:
            split = split_rows if is_table(fix.target) else split_fix
            seen[ident] = _Candidate(ident, finding, fix, split(fix.target, fix.operations))
        except PatchError as error:
            seen[ident] = _Candidate(ident, finding, fix, [(fix.target, fix.operations)], str(error))
    return sorted(seen.values(), key=_Candidate.priority)


def _load_targets(candidates: list[_Candidate], root: Path,
                  table_columns: dict[str, dict[str, str]]) -> dict[str, _TargetState]:
    states: dict[str, _TargetState] = {}
    by_file: dict[str, list[Target]] = defaultdict(list)
    for text in {text for c in candidates for text, _ in c.parts}:
        state = states[text] = _TargetState()
        try:
            state.key_column = _key_column(text, table_columns)
            target = parse_target(text, state.key_column)
        except TargetError as error:
            state.error = str(error)
            continue
        by_file[target.file].append(target)
    for file, targets in by_file.items():
        try:
            parts = read_parts(resolve_inside(root, file), targets)
        except TargetError as error:
            parts = {t.text: PatchError(str(error)) for t in targets}
        for text, part in parts.items():
            state = states[text]
            try:
                if isinstance(part, PatchError):
                    raise part
                state.part, state.original = part, part.load()
                state.document = state.original
            except PatchError as error:
                state.error = str(error)
    return states


def _judge(candidate: _Candidate, states: dict[str, _TargetState]) -> tuple[FixStatus, str, list[list[Touch]]]:
    """Whether a fix applies on its own (else invalid) and beside the fixes accepted so far (else conflict)."""
    if candidate.error:
        return FixStatus.INVALID, candidate.error, []
    touches = []
    for text, operations in candidate.parts:
        state = states[text]
        if state.part is None:
            return FixStatus.INVALID, state.error, []
        try:
            own, alone = footprint(state.original, operations)
            state.part.dump(alone)
        except PatchError as error:
            return FixStatus.INVALID, str(error), []
        for other, other_touches in state.accepted:
            where = clash(other_touches, own)
            if where is not None:
                return FixStatus.CONFLICT, f"conflicts with {other.finding.code} ({other.id}) at {where}", []
        touches.append(own)
    return FixStatus.OK, "", touches


def _accept(candidate: _Candidate, touches: list[list[Touch]], states: dict[str, _TargetState]) -> str:
    """Add an accepted fix to its targets' merged documents; a reason when it does not apply after the others."""
    try:
        merged = {text: apply_patch(states[text].document, ops) for text, ops in candidate.parts}
    except PatchError as error:
        return f"does not apply after the fixes before it: {error}"
    for (text, _), own in zip(candidate.parts, touches):
        states[text].accepted.append((candidate, own))
        states[text].document = merged[text]
    return ""


def _file_of(text: str) -> str:
    """The file a target lives in (the text itself for a target that does not parse)."""
    try:
        return parse_target(text, key_column="-").file
    except TargetError:
        return text


def _groups(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Candidates in groups that share no file: one file's targets, or the files of one per-modality fix.
    Documents are loaded a group at a time, so memory follows the largest group, not the batch."""
    leader: dict[str, str] = {}

    def find(file: str) -> str:
        while leader.setdefault(file, file) != file:
            file = leader[file]
        return file

    for candidate in candidates:
        first, *others = (find(_file_of(text)) for text, _ in candidate.parts)
        for other in others:
            leader[other] = first
    groups: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:  # in priority order, kept within each group
        groups[find(_file_of(candidate.parts[0][0]))].append(candidate)
    return list(groups.values())


def build_records(findings: Iterable[Finding], root: Path,
                  table_columns: dict[str, dict[str, str]] | None = None) -> list[PatchRecord]:
    """The patch records of the findings' fixes, hashed and checked against the files under `root`."""
    table_columns = table_columns or {}
    records = []
    for group in _groups(_candidates(findings)):
        states = _load_targets(group, root, table_columns)
        for candidate in group:
            status, reason, touches = _judge(candidate, states)
            if status is FixStatus.OK and (reason := _accept(candidate, touches, states)):
                status = FixStatus.CONFLICT
            finding, fix = candidate.finding, candidate.fix
            evidence = json.loads(finding.to_json())["evidence"]
            for text, operations in candidate.parts:
                states[text].fixes.append(PatchFix(candidate.id, finding.code, finding.confidence,
                                                   fix.applicability, operations, fix.description, finding.message,
                                                   evidence, status, reason))
        records += [PatchRecord(text, state.part.sha256 if state.part else None, tuple(state.fixes),
                                state.key_column) for text, state in states.items()]
    return sorted(records, key=lambda r: r.target)


def write_patches(findings: Iterable[Finding], root: Path, out: Path,
                  table_columns: dict[str, dict[str, str]] | None = None) -> PatchReport:
    """Write `out/patches.jsonl` for the findings' fixes; `table_columns` is the rule set's `[tables.*.columns]`."""
    records = build_records(findings, root, table_columns)
    out.mkdir(parents=True, exist_ok=True)
    path = out / PATCHES_JSONL
    write_records(path, records)
    report = PatchReport(path, targets=len(records))
    for record in records:
        for fix in record.fixes:
            if fix.status is not FixStatus.OK:
                report.issues.append(FixIssue(fix.id, fix.code, record.target, fix.status, fix.reason))
    report.fixes = len({f.id for r in records for f in r.fixes if f.status is FixStatus.OK})
    return report
