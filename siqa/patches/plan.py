"""Where each file stands before `apply` writes anything, decided from hashes alone.

- The file (in place: as it is now; with --out: the source) has the patch's target hashes: the selected fixes
  apply to it. This is also the case of a file patched before and audited again: its new state chains onto the old.
- In place, its hash is a state apply wrote with fixes of this patches file: it holds those already. It is rendered
  again from the backup copy of the bytes that state was made from, with the old and the new fixes, so apply twice,
  or `--only safe` then `--only unsafe`, adds up; when nothing new is asked for it is left alone.
- Otherwise each target whose hash differs is refused, naming both hashes.

The backup folder is trusted only as far as the patches file vouches for it (`verified_backup`): a backup is used
only when its targets hash as the patches file pins and rendering the state's fixes onto it gives the file's current
bytes again. A fix that passes a cap (`ops.Growth`, the rendered size), nests too deep to render, or writes a
spreadsheet formula into a table row (unless `allow_formulas`) is refused by id, code and reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.decisions import Verdict
from siqa.findings import Applicability
from siqa.outputs.files import UnsafeEntry
from siqa.patches.backup import Manifest, State
from siqa.patches.content import Part, read_parts, render
from siqa.patches.files import HashingWriter, Sink, remove_stale_temps, sha256_file
from siqa.patches.model import Entries, FixStatus, PatchFix
from siqa.patches.ops import Growth, PatchError, apply_patch
from siqa.patches.report import ApplyReport, Status
from siqa.patches.rows import formula_cells
from siqa.patches.targets import TargetError, resolve_inside
from siqa.registry import matches


@dataclass(frozen=True)
class ApplyOptions:
    root: Path
    backup_dir: Path
    out: Path | None = None  # None: in place
    only: frozenset[Applicability] = frozenset({Applicability.SAFE, Applicability.UNSAFE})
    select: tuple[str, ...] = ()  # codes or prefixes; empty: every code
    dry_run: bool = False
    allow_formulas: bool = False  # let row patches write cells a spreadsheet would run as formulas
    limits: Limits = DEFAULT_LIMITS  # the reader's: bound the patched documents and what is read
    decided: Mapping[str, Verdict] | None = None  # `--decisions`: the verdict per fix id; only accepted ones apply


class FixFailed(Exception):
    """Fixes that do not apply to a file after all (it changed, or the patches file was edited)."""

    def __init__(self, fix_ids: list[str], reason: str) -> None:
        super().__init__(reason)
        self.fix_ids, self.reason = fix_ids, reason


@dataclass
class FilePlan:
    file: str
    entries: Entries
    dest: Path
    base: Path  # where the bytes to patch are read: the file itself, a backup copy, or (with --out) the source
    base_hash: str
    current: str | None  # hash of `dest` (None: not there yet)
    prev: frozenset[str]  # fixes `dest` holds already
    wanted: set[str] = field(default_factory=set)  # selected fixes this apply adds
    held: set[str] = field(default_factory=set)  # selected fixes `dest` holds already
    limits: Limits = DEFAULT_LIMITS
    allow_formulas: bool = False

    def patched(self) -> dict[str, tuple[Any, Any, bytes]]:
        """(document before, after, new bytes) per target that has fixes; FixFailed names a fix that fails.
        Read and computed again each time rather than kept, so memory does not grow with the number of files."""
        out = {}
        parts = read_parts(self.base, [t for t, _ in self.entries], self.limits)
        for target, record in self.entries:
            old = [f for f in record.fixes if f.id in self.prev]
            new = [f for f in record.fixes if f.id in self.wanted]
            if not old and not new:
                continue
            part = parts[target.text]
            if isinstance(part, PatchError) or part.sha256 != record.sha256:
                raise FixFailed([f.id for f in new], f"{target.text}: changed while apply was running")
            growth = Growth.from_bytes(len(part.data), self.limits)
            try:
                before = part.load()
                for fix in old:
                    before = apply_patch(before, fix.operations, growth)
            except _FAILURES as error:
                raise FixFailed([f.id for f in new + old], f"{target.text}: {_why(error)}") from None
            after = before
            for fix in new:
                try:
                    after = apply_patch(after, fix.operations, growth)
                except _FAILURES as error:
                    raise FixFailed([fix.id], f"{target.text}: {_why(error)}") from None
            try:
                out[target.text] = (before, after, self._rendered(part, before, after))
            except _FAILURES as error:
                raise FixFailed([f.id for f in new], f"{target.text}: {_why(error)}") from None
        return out

    def _rendered(self, part: Part, before: Any, after: Any) -> bytes:
        """A target's new bytes, refused over the reader's limit or (a row) holding a spreadsheet formula."""
        data = part.dump(after)
        limit, name = (self.limits.table_bytes, "table_bytes") if part.row is not None else (
            self.limits.json_bytes, "json_bytes")
        if len(data) > limit:
            raise PatchError(f"the patched target would be {len(data)} bytes, over the {name} limit of {limit}")
        if part.row is not None and not self.allow_formulas and (cells := formula_cells(before, after)):
            raise PatchError(f"would write what a spreadsheet runs as a formula: {'; '.join(cells)} (refused; "
                             "`siqa apply --allow-formulas` writes it)")
        return data

    def write_to(self, sink: Sink) -> None:
        """The patched file's bytes."""
        new = {text: data for text, (_, _, data) in self.patched().items()}
        render(self.base, [t for t, _ in self.entries], new, sink)


_FAILURES = (PatchError, RecursionError, MemoryError)


def _why(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply to render"
    if isinstance(error, MemoryError):
        return "too large to render in memory"
    return str(error)


def pinned(path: Path, entries: Entries, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether every target in the file at `path` hashes as the patches file pins it."""
    parts = read_parts(path, [t for t, _ in entries], limits)
    return all(isinstance(part := parts[t.text], Part) and part.sha256 == r.sha256 for t, r in entries)


def verified_backup(plan: FilePlan, state: State, manifest: Manifest) -> Path | str:
    """The backup of the bytes `state` (the state `plan.dest` is in) was rendered from, or why none can be
    trusted: the backup folder is untrusted, so its copy must hold the targets with the hashes the patches file
    pins, and rendering the state's fixes onto it must give `plan.current` again, which proves the copy differs
    from the file only where those fixes wrote."""
    backup = manifest.backup_of(plan.file, state.base)
    if backup is None:
        return f"{plan.file}: {manifest.folder} has no intact copy of what it was before apply"
    if not pinned(backup, plan.entries, plan.limits):
        return (f"{plan.file}: the copy in {manifest.folder} does not hold the targets this patches file pins; the "
                "backup folder is trusted no further than those hashes")
    again = HashingWriter()
    try:
        FilePlan(plan.file, plan.entries, plan.dest, backup, state.base, plan.current, frozenset(state.fixes),
                 limits=plan.limits).write_to(again)
    except (FixFailed, *_FAILURES) as error:
        return f"{plan.file}: its backup does not render again: {_why(error)}"
    if again.hexdigest() != plan.current:
        return (f"{plan.file}: its backup with this patches file's fixes does not give the current bytes; the "
                f"backup folder {manifest.folder} is trusted no further than the pinned hashes")
    return backup


def _chosen(fix: PatchFix, options: ApplyOptions) -> bool:
    return (fix.applicability in options.only and fix.applicability is not Applicability.DISPLAY_ONLY
            and (not options.select or matches(fix.code, options.select)))


def selected(fix: PatchFix, options: ApplyOptions) -> bool:
    """Chosen by --only and --select and, with --decisions, accepted there too."""
    return _chosen(fix, options) and (options.decided is None or options.decided.get(fix.id) is Verdict.ACCEPT)


def left_out(fix: PatchFix, options: ApplyOptions) -> tuple[Status, str]:
    """Why an unselected fix is not applied: not chosen by --only/--select, or not accepted in the decisions."""
    if options.decided is None or not _chosen(fix, options):
        return Status.SKIPPED, ""
    reasons: dict[Verdict | None, str] = {Verdict.REJECT: "rejected", Verdict.DEFER: "deferred"}
    return Status.DECLINED, reasons.get(options.decided.get(fix.id), "no decision")


def plan_file(file: str, entries: Entries, options: ApplyOptions, manifest: Manifest,
              report: ApplyReport) -> FilePlan | None:
    """Where `file` stands (see the module doc); refuses its fixes and returns None when it cannot be patched."""
    chosen = [(t, f) for t, r in entries for f in r.fixes if selected(f, options)]

    def refuse(reason: str) -> FilePlan | None:
        for target, fix in chosen:
            report.note(fix, target.text, Status.REFUSED, reason)
        return None

    try:
        source = resolve_inside(options.root, file)
        dest = source if options.out is None else resolve_inside(options.out, file)
    except TargetError as error:
        return refuse(str(error))
    if not source.is_file():
        return refuse(f"{file}: no such file under {options.root}")
    try:
        if not options.dry_run:
            remove_stale_temps(dest)
    except UnsafeEntry as error:
        return refuse(str(error))
    current = sha256_file(dest) if dest.is_file() else None
    entry = manifest.entries.get(file)
    state = entry.states.get(current) if entry is not None and current is not None else None
    known = {f.id for _, r in entries for f in r.fixes}
    plan = FilePlan(file, entries, dest, source, "", current, frozenset(), limits=options.limits,
                    allow_formulas=options.allow_formulas)
    if options.out is None and state is not None and set(state.fixes) <= known:
        backup = verified_backup(plan, state, manifest)
        if isinstance(backup, str):
            return refuse(backup)
        plan.prev, plan.base, plan.base_hash = frozenset(state.fixes), backup, state.base
    else:
        plan.base_hash = current if source == dest and current is not None else sha256_file(source)
    loaded = read_parts(plan.base, [t for t, _ in entries], options.limits)
    for target, record in entries:
        part = loaded[target.text]
        reason = str(part) if isinstance(part, PatchError) else (
            "" if part.sha256 == record.sha256 else
            f"{target.text}: hash {part.sha256[:12]} differs from the patch's {str(record.sha256)[:12]} "
            "(changed since the audit, or patched with another backup folder)")
        for fix in record.fixes:
            if not selected(fix, options):
                report.note(fix, target.text, *left_out(fix, options))
            elif reason:
                report.note(fix, target.text, Status.REFUSED, reason)
            elif fix.status is FixStatus.CONFLICT:
                report.note(fix, target.text, Status.CONFLICT, fix.reason)
            elif fix.status is FixStatus.INVALID:
                report.note(fix, target.text, Status.REFUSED, fix.reason)
            else:
                (plan.held if fix.id in plan.prev else plan.wanted).add(fix.id)
        if reason and any(f.id in plan.prev for f in record.fixes):
            return refuse(reason)
    return plan


def settle(plans: list[FilePlan], report: ApplyReport) -> list[tuple[FilePlan, str]]:
    """The files that change, with their new hashes. A fix refused in one file is withdrawn from all, so a fix
    that spans files (per-modality layout) is applied whole or not at all."""
    refused = {o.fix_id for o in report.outcomes.values() if o.status is Status.REFUSED}
    while True:
        for plan in plans:
            plan.wanted -= refused
        try:
            hashed = []
            for plan in plans:
                if plan.wanted:
                    hasher = HashingWriter()
                    plan.write_to(hasher)
                    hashed.append((plan, hasher.hexdigest()))
            return [(plan, new_hash) for plan, new_hash in hashed if new_hash != plan.current]
        except FixFailed as failure:
            refused.update(failure.fix_ids)
            for plan in plans:
                for target, record in plan.entries:
                    for fix in record.fixes:
                        if fix.id in failure.fix_ids:
                            report.note(fix, target.text, Status.REFUSED, failure.reason)


def note_file(plan: FilePlan, report: ApplyReport, status: Status) -> None:
    """The file's selected fixes: the ones it held already are `already applied`, the new ones get `status`."""
    for target, record in plan.entries:
        for fix in record.fixes:
            if fix.id in plan.held:
                report.note(fix, target.text, Status.ALREADY)
            elif fix.id in plan.wanted:
                report.note(fix, target.text, status)
