"""`siqa apply` as a library call: plan every file from hashes, then back up, record, and replace atomically.

Per file on disk (a JSON file, a tar, a table), apply decides from hashes alone where it stands:
- its targets hash to the patch's hashes: the file is original, the selected fixes apply to it;
- in place, its hash is a state the backup manifest recorded: the file holds those fixes already; the new file is
  rendered from the original bytes in the backup with the old and the new fixes (so running apply twice, or with
  `--only safe` then `--only unsafe`, is safe), and when nothing new is asked for it is left alone;
- anything else: refused, naming the target and both hashes.

In place, backups are written first, then the manifest (the new hash of every file), then each file is replaced
atomically: a kill at any moment leaves each file original or fully patched, and the manifest knows both.
With `--out`, the patched files are written under the output folder at the same relative paths.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from siqa.findings import Applicability
from siqa.patches.backup import Manifest, locked_manifest
from siqa.patches.content import Part, read_parts, render
from siqa.patches.diff import document_diff
from siqa.patches.files import (ContentChanged, HashingWriter, copy_file, remove_stale_temps, sha256_file,
                                write_atomically)
from siqa.patches.model import FixStatus, PatchFix, PatchRecord, read_patches
from siqa.patches.ops import PatchError, apply_patch
from siqa.patches.targets import Target, TargetError, parse_target, resolve_inside
from siqa.registry import matches


class Status(str, enum.Enum):
    APPLIED = "applied"
    ALREADY = "already applied"
    REFUSED = "refused"
    CONFLICT = "conflict"
    SKIPPED = "not selected"


_PRECEDENCE = {Status.SKIPPED: 0, Status.ALREADY: 1, Status.APPLIED: 2, Status.CONFLICT: 3, Status.REFUSED: 4}


@dataclass
class FixOutcome:
    fix_id: str
    code: str
    targets: list[str]
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class ApplyOptions:
    root: Path
    backup_dir: Path
    out: Path | None = None  # None: in place
    only: frozenset[Applicability] = frozenset({Applicability.SAFE, Applicability.UNSAFE})
    select: tuple[str, ...] = ()  # codes or prefixes; empty: every code
    dry_run: bool = False


@dataclass
class ApplyReport:
    outcomes: dict[str, FixOutcome] = field(default_factory=dict)
    diffs: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    def note(self, fix: PatchFix, target: str, status: Status, reason: str = "") -> None:
        """A fix's status over all its targets: the most severe wins (refused > conflict > applied > ...)."""
        outcome = self.outcomes.setdefault(fix.id, FixOutcome(fix.id, fix.code, [], status, reason))
        if target not in outcome.targets:
            outcome.targets.append(target)
        if _PRECEDENCE[status] > _PRECEDENCE[outcome.status]:
            outcome.status, outcome.reason = status, reason

    def counts(self) -> Counter[Status]:
        return Counter(o.status for o in self.outcomes.values())

    @property
    def failed(self) -> bool:
        return any(o.status in (Status.REFUSED, Status.CONFLICT) for o in self.outcomes.values())


Entries = list[tuple[Target, PatchRecord]]


def group_records(records: Iterable[PatchRecord]) -> tuple[dict[str, Entries], list[tuple[PatchRecord, str]]]:
    """Records by the file that holds their target, and the records whose target is refused (with why)."""
    files: dict[str, Entries] = defaultdict(list)
    refused: list[tuple[PatchRecord, str]] = []
    seen: set[str] = set()
    for record in records:
        try:
            target = parse_target(record.target, record.key_column)
        except TargetError as error:
            refused.append((record, str(error)))
            continue
        if record.target in seen or record.sha256 is None:
            refused.append((record, "target in two records" if record.target in seen
                            else "the target could not be read when the patch was made"))
            continue
        seen.add(record.target)
        files[target.file].append((target, record))
    return dict(files), refused


class _FixFailed(Exception):
    def __init__(self, fix_ids: list[str], reason: str) -> None:
        super().__init__(reason)
        self.fix_ids, self.reason = fix_ids, reason


@dataclass
class _FilePlan:
    file: str
    entries: Entries
    dest: Path
    base: Path  # where the original bytes are read: the file itself, its backup, or (with --out) the source
    original: str  # hash of `base`
    current: str | None  # hash of `dest` (None: not there yet)
    prev: frozenset[str]  # fixes `dest` holds already
    wanted: set[str] = field(default_factory=set)  # selected fixes this apply adds
    held: set[str] = field(default_factory=set)  # selected fixes `dest` holds already
    parts: dict[str, Part] = field(default_factory=dict)

    def patched(self, refused: dict[str, str]) -> dict[str, tuple[Any, Any, bytes]]:
        """(document before, after, new bytes) per target that has fixes; _FixFailed names a fix that fails."""
        out = {}
        for target, record in self.entries:
            old = [f for f in record.fixes if f.id in self.prev]
            new = [f for f in record.fixes if f.id in self.wanted and f.id not in refused]
            if not old and not new:
                continue
            part = self.parts[target.text]
            try:
                before = after = part.load()
                for fix in old:
                    before = after = apply_patch(before, fix.operations)
            except PatchError as error:
                raise _FixFailed([f.id for f in new + old], f"{target.text}: {error}") from None
            for fix in new:
                try:
                    after = apply_patch(after, fix.operations)
                except PatchError as error:
                    raise _FixFailed([fix.id], f"{target.text}: {error}") from None
            try:
                out[target.text] = (before, after, part.dump(after))
            except PatchError as error:
                raise _FixFailed([f.id for f in new], f"{target.text}: {error}") from None
        return out

    def renderer(self, patched: dict[str, tuple[Any, Any, bytes]]):  # noqa: ANN201 - a write_atomically producer
        targets = [t for t, _ in self.entries]
        return lambda sink: render(self.base, targets, {t: p[2] for t, p in patched.items()}, sink)


def _selected(fix: PatchFix, options: ApplyOptions) -> bool:
    return (fix.applicability in options.only and fix.applicability is not Applicability.DISPLAY_ONLY
            and (not options.select or matches(fix.code, options.select)))


def _plan_file(file: str, entries: Entries, options: ApplyOptions, manifest: Manifest,
               report: ApplyReport) -> _FilePlan | None:
    """Where `file` stands (see the module doc); refuses its fixes and returns None when it cannot be patched."""
    selected = [(t, f) for t, r in entries for f in r.fixes if _selected(f, options)]

    def refuse(reason: str) -> None:
        for target, fix in selected:
            report.note(fix, target.text, Status.REFUSED, reason)

    try:
        source = resolve_inside(options.root, file)
        dest = source if options.out is None else resolve_inside(options.out, file)
    except TargetError as error:
        return refuse(str(error))
    if not source.is_file():
        return refuse(f"{file}: no such file under {options.root}")
    if not options.dry_run:
        remove_stale_temps(dest)
        remove_stale_temps(manifest.copy_path(file))
    current = sha256_file(dest) if dest.is_file() else None
    entry = manifest.entries.get(file)
    prev: frozenset[str] = frozenset()
    base = source
    if options.out is None and entry is not None and current in entry.states:
        prev = frozenset(entry.states[current])
        backup = manifest.original_copy(file, entry.original_sha256)
        if backup is None:
            return refuse(f"{file}: patched before, but no intact backup of its original is in {manifest.folder}")
        base = backup
    known = {f.id for _, r in entries for f in r.fixes}
    if prev - known:
        return refuse(f"{file}: holds fixes that are not in this patch file; revert it first")
    original = current if base == dest and current is not None else sha256_file(base)
    plan = _FilePlan(file, entries, dest, base, original, current, prev)
    loaded = read_parts(base, [t for t, _ in entries])
    for target, record in entries:
        part = loaded[target.text]
        reason = str(part) if isinstance(part, PatchError) else (
            "" if part.sha256 == record.sha256 else
            f"{target.text}: hash {part.sha256[:12]} differs from the patch's {record.sha256[:12]} "  # type: ignore[index]
            "(changed since the audit, or patched with another backup folder)")
        for fix in record.fixes:
            if not _selected(fix, options):
                report.note(fix, target.text, Status.SKIPPED)
            elif reason:
                report.note(fix, target.text, Status.REFUSED, reason)
            elif fix.status is FixStatus.CONFLICT:
                report.note(fix, target.text, Status.CONFLICT, fix.reason)
            elif fix.status is FixStatus.INVALID:
                report.note(fix, target.text, Status.REFUSED, fix.reason)
            else:
                (plan.held if fix.id in prev else plan.wanted).add(fix.id)
        if not reason:
            plan.parts[target.text] = part  # type: ignore[assignment]
        elif any(f.id in prev for f in record.fixes):
            return refuse(reason)
    return plan


def _settle(plans: list[_FilePlan], report: ApplyReport) -> list[tuple[_FilePlan, str, dict]]:
    """The files to write with their new hashes. A fix refused in one file is withdrawn from all, so a fix that
    spans files (per-modality layout) is applied whole or not at all."""
    refused: dict[str, str] = {o.fix_id: o.reason for o in report.outcomes.values() if o.status is Status.REFUSED}
    while True:
        try:
            out = []
            for plan in plans:
                if not plan.wanted - refused.keys():
                    continue
                patched = plan.patched(refused)
                hasher = HashingWriter()
                plan.renderer(patched)(hasher)
                out.append((plan, hasher.hexdigest(), patched))
            return out
        except _FixFailed as failure:
            refused.update((i, failure.reason) for i in failure.fix_ids)
            for plan in plans:
                for target, record in plan.entries:
                    for fix in record.fixes:
                        if fix.id in failure.fix_ids:
                            report.note(fix, target.text, Status.REFUSED, failure.reason)


def _note_file(plan: _FilePlan, report: ApplyReport, status: Status) -> None:
    """The file's selected fixes: the ones it held already are `already applied`, the new ones get `status`."""
    for target, record in plan.entries:
        for fix in record.fixes:
            if fix.id in plan.held:
                report.note(fix, target.text, Status.ALREADY)
            elif fix.id in plan.wanted:
                report.note(fix, target.text, status)


def apply_patches(patches: Path, options: ApplyOptions) -> ApplyReport:
    """Apply the selected fixes of a patches file (see the module doc); OSError and BackupError propagate."""
    files, refused_records = group_records(read_patches(patches))
    report = ApplyReport()
    for record, reason in refused_records:
        for fix in record.fixes:
            report.note(fix, record.target, Status.REFUSED if _selected(fix, options) else Status.SKIPPED, reason)
    with locked_manifest(options.backup_dir, create=not options.dry_run) as manifest:
        plans = [plan for file, entries in sorted(files.items())
                 if (plan := _plan_file(file, entries, options, manifest, report)) is not None]
        changes = [change for change in _settle(plans, report) if change[1] != change[0].current]
        changing = {plan.file for plan, _, _ in changes}
        for plan in plans:
            if plan.file not in changing:
                _note_file(plan, report, Status.ALREADY)
        if options.dry_run:
            for plan, _, patched in changes:
                _note_file(plan, report, Status.APPLIED)
                report.diffs += [document_diff(text, before, after) for text, (before, after, _) in patched.items()
                                 if before != after]
            return report
        _write(changes, options, manifest, report)
    return report


def _write(changes: list[tuple[_FilePlan, str, dict]], options: ApplyOptions, manifest: Manifest,
           report: ApplyReport) -> None:
    """Backups, then the manifest, then the files (see the module doc for why in this order)."""
    for plan, new_hash, _ in changes:
        backup = plan.base.resolve()  # with --out, the untouched source; in place, a verified backup copy
        if options.out is None and plan.base == plan.dest:  # in place, first time: copy it into the backup folder
            backup = manifest.copy_path(plan.file)
            if not (backup.is_file() and sha256_file(backup) == plan.original):
                write_atomically(backup, copy_file(plan.dest), plan.original)
        manifest.record(plan.file, plan.original, backup, new_hash, sorted(plan.prev | plan.wanted))
    manifest.save()
    for plan, new_hash, patched in changes:
        try:
            if options.out is None and sha256_file(plan.dest) != plan.current:
                raise ContentChanged(f"{plan.file}: changed while apply was running")
            write_atomically(plan.dest, plan.renderer(patched), new_hash)
        except ContentChanged as error:
            for target, record in plan.entries:
                for fix in record.fixes:
                    if fix.id in plan.wanted:
                        report.note(fix, target.text, Status.REFUSED, str(error))
            continue
        report.written.append(plan.file)
        _note_file(plan, report, Status.APPLIED)
