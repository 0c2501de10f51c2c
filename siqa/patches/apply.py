"""`siqa apply` as a library call: plan every file (see `plan`), then back up, record, and replace atomically.

Backups are written first (a real copy in the backup folder of the bytes each file is rendered from, also with
`--out`, so revert never reads outside that folder), then the manifest (the new hash of every file), then each file
is replaced atomically: a kill at any moment leaves each file original or fully patched, and the manifest knows
both. With `--out`, the patched files are written under the output folder at the same relative paths.
"""

from __future__ import annotations

from pathlib import Path

from siqa.outputs.files import UnsafeEntry
from siqa.patches.backup import Manifest, locked_manifest
from siqa.patches.diff import plan_diffs
from siqa.patches.files import ContentChanged, copy_file, sha256_file, write_atomically
from siqa.patches.model import read_patches, records_by_file
from siqa.patches.plan import (
    ApplyOptions,
    FilePlan,
    FixFailed,
    left_out,
    note_file,
    plan_file,
    selected,
    settle,
)
from siqa.patches.report import ApplyReport, Status

__all__ = ["ApplyOptions", "ApplyReport", "Status", "apply_patches"]


def apply_patches(patches: Path, options: ApplyOptions) -> ApplyReport:
    """Apply the selected fixes of a patches file (see the module doc); OSError and BackupError propagate."""
    files, refused_records = records_by_file(read_patches(patches, options.limits))
    report = ApplyReport()
    for record, reason in refused_records:
        for fix in record.fixes:
            if selected(fix, options):
                report.note(fix, record.target, Status.REFUSED, reason)
            else:
                report.note(fix, record.target, *left_out(fix, options))
    with locked_manifest(options.backup_dir, create=not options.dry_run) as manifest:
        plans = [plan for file, entries in sorted(files.items())
                 if (plan := plan_file(file, entries, options, manifest, report)) is not None]
        changes = settle(plans, report)
        changing = {plan.file for plan, _ in changes}
        for plan in plans:
            if plan.file not in changing:
                note_file(plan, report, Status.ALREADY)
        if options.dry_run:
            for plan, _ in changes:
                note_file(plan, report, Status.APPLIED)
                report.diffs += plan_diffs(plan)
            return report
        _write(changes, options, manifest, report)
    return report


def _write(changes: list[tuple[FilePlan, str]], options: ApplyOptions, manifest: Manifest,
           report: ApplyReport) -> None:
    """Backups, then the manifest, then the files (see the module doc for why in this order)."""
    for plan, new_hash in changes:
        backup = manifest.copy_path(plan.file, plan.base_hash)
        if not manifest.holds(backup, plan.base_hash):  # a link (to the live file, say) is replaced by a copy
            write_atomically(backup, copy_file(plan.base), plan.base_hash)
        manifest.record(plan.file, plan.base_hash, backup, new_hash, sorted(plan.prev | plan.wanted))
    manifest.save()
    for plan, new_hash in changes:
        try:
            if options.out is None and sha256_file(plan.dest) != plan.current:
                raise ContentChanged(f"{plan.file}: changed while apply was running")
            write_atomically(plan.dest, plan.write_to, new_hash)
        except (ContentChanged, FixFailed, UnsafeEntry) as error:
            for target, record in plan.entries:
                for fix in record.fixes:
                    if fix.id in plan.wanted:
                        report.note(fix, target.text, Status.REFUSED, str(error))
            continue
        report.written.append(plan.file)
        note_file(plan, report, Status.APPLIED)
