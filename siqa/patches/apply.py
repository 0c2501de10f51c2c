"""`siqa apply` as a library call: plan every file (see `plan`), then back up, record, and replace atomically.

In place, backups are written first, then the manifest (the new hash of every file), then each file is replaced
atomically: a kill at any moment leaves each file original or fully patched, and the manifest knows both.
With `--out`, the patched files are written under the output folder at the same relative paths.
"""

from __future__ import annotations

from pathlib import Path

from siqa.patches.backup import Manifest, locked_manifest
from siqa.patches.diff import document_diff
from siqa.patches.files import ContentChanged, copy_file, sha256_file, write_atomically
from siqa.patches.model import read_patches, records_by_file
from siqa.patches.plan import ApplyOptions, FilePlan, FixFailed, note_file, plan_file, selected, settle
from siqa.patches.report import ApplyReport, Status

__all__ = ["ApplyOptions", "ApplyReport", "Status", "apply_patches"]


def apply_patches(patches: Path, options: ApplyOptions) -> ApplyReport:
    """Apply the selected fixes of a patches file (see the module doc); OSError and BackupError propagate."""
    files, refused_records = records_by_file(read_patches(patches))
    report = ApplyReport()
    for record, reason in refused_records:
        for fix in record.fixes:
            report.note(fix, record.target, Status.REFUSED if selected(fix, options) else Status.SKIPPED, reason)
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
                report.diffs += [document_diff(text, before, after)
                                 for text, (before, after, _) in plan.patched().items() if before != after]
            return report
        _write(changes, options, manifest, report)
    return report


def _write(changes: list[tuple[FilePlan, str]], options: ApplyOptions, manifest: Manifest,
           report: ApplyReport) -> None:
    """Backups, then the manifest, then the files (see the module doc for why in this order)."""
    for plan, new_hash in changes:
        backup = plan.base.resolve()  # with --out, the untouched source; in place, a checked backup copy
        if options.out is None and plan.base == plan.dest:  # in place from the file itself: copy it first
            backup = manifest.copy_path(plan.file, plan.base_hash)
            if not (backup.is_file() and sha256_file(backup) == plan.base_hash):
                write_atomically(backup, copy_file(plan.dest), plan.base_hash)
        manifest.record(plan.file, plan.base_hash, backup, new_hash, sorted(plan.prev | plan.wanted))
    manifest.save()
    for plan, new_hash in changes:
        try:
            if options.out is None and sha256_file(plan.dest) != plan.current:
                raise ContentChanged(f"{plan.file}: changed while apply was running")
            write_atomically(plan.dest, plan.write_to, new_hash)
        except (ContentChanged, FixFailed) as error:
            for target, record in plan.entries:
                for fix in record.fixes:
                    if fix.id in plan.wanted:
                        report.note(fix, target.text, Status.REFUSED, str(error))
            continue
        report.written.append(plan.file)
        note_file(plan, report, Status.APPLIED)
