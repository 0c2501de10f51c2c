"""`siqa apply PATCHES --root R`: apply a patches file's fixes to corrected copies, or in place with a backup."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from siqa.exit_codes import ExitCode


class Only(str, Enum):
    safe = "safe"
    unsafe = "unsafe"


def apply(
    patches: Path = typer.Argument(..., help="A patches.jsonl (written by `siqa audit` beside its findings)."),
    root: Path = typer.Option(..., help="Dataset root the patches' targets are relative to."),
    out: Path | None = typer.Option(None, help="Write corrected copies of the patched files here, at the same "
                                                  "relative paths (default: <patches dir>/patched)."),
    in_place: bool = typer.Option(False, "--in-place", help="Change the files under the root, keeping backups."),
    backup_dir: Path | None = typer.Option(None, help="Backups and their manifest (default: <patches dir>/backup)."),
    only: list[Only] = typer.Option([], help="Only fixes of this applicability (repeatable; default: safe and "
                                             "unsafe; display-only fixes are never applied)."),
    select: list[str] = typer.Option([], help="Only these codes or prefixes (comma-separated, repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print a diff per target on stdout; write nothing."),
    decisions: Path | None = typer.Option(
        None, "--decisions", help="A curator's decisions file (exported by the dashboard's review): only the fixes "
        "accepted there apply. It narrows --only and --select: a fix applies when they choose it and its id is "
        "accepted; the ones they choose that were rejected, deferred or not decided are listed as skipped by "
        "decision."),
    allow_formulas: bool = typer.Option(
        False, "--allow-formulas", help="Let row patches write root-table cells and column names starting with =, "
        "+, -, @, tab or CR (numbers such as -1.5 always pass): a spreadsheet opening the CSV runs such a cell as a "
        "formula (CSV injection), so by default they are refused."),
) -> None:
    """Apply fixes atomically, refusing any target whose hash differs from the patch's; a second run is a no-op."""
    from rich.console import Console

    from siqa.api import _codes
    from siqa.decisions import DecisionsError, Verdict, load_decisions
    from siqa.findings import Applicability
    from siqa.patches.apply import ApplyOptions, apply_patches
    from siqa.patches.backup import BackupError, default_folder, is_inside
    from siqa.patches.model import PatchFileError
    from siqa.reports.gate.text import visible_controls
    from siqa.reports.patch_summary import render_apply
    from siqa.reports.terminal import safe

    err = Console(stderr=True, emoji=False)  # dataset text: no :emoji: codes either
    if in_place and out is not None:
        raise typer.BadParameter("--out and --in-place exclude each other")
    if not root.is_dir():
        raise typer.BadParameter(f"dataset root {root} is not a folder", param_hint="--root")
    try:
        if out is None and not in_place:
            out = default_folder(patches, "patched", root, "--out")
        if out is not None and is_inside(root, out):
            raise BackupError(f"--out {out} holds the dataset root; use --in-place to change files there")
        decided = load_decisions(decisions).fix_verdicts() if decisions is not None else None
        options = ApplyOptions(root=root, out=out, dry_run=dry_run, select=tuple(_codes(select)),
                               allow_formulas=allow_formulas, decided=decided,
                               backup_dir=backup_dir or default_folder(patches, "backup", root, "--backup-dir"),
                               only=frozenset(Applicability(o.value) for o in only) or ApplyOptions.only)
        report = apply_patches(patches, options)
    except (PatchFileError, BackupError, DecisionsError, OSError) as error:
        err.print(f"[red]siqa apply: {safe(str(error))}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    for diff in report.diffs:
        sys.stdout.write(visible_controls(diff))  # the documents' text is dataset text
    render_apply(report, err, dry_run)
    stale = sorted(k for k, v in (decided or {}).items() if v is Verdict.ACCEPT and k not in report.outcomes)
    if stale:
        err.print(f"[yellow]{len(stale)} fix(es) accepted in {safe(str(decisions))} are not in {safe(str(patches))}"
                  f"[/] (decided on another audit?): {safe(', '.join(stale[:10]))}", highlight=False, soft_wrap=True)
    if report.written:
        err.print(f"wrote {len(report.written)} files {'in place' if out is None else f'under {out}'}",
                  highlight=False, soft_wrap=True)
    raise typer.Exit(ExitCode.FAILED if report.failed else ExitCode.OK)


def register(app: typer.Typer) -> None:
    app.command()(apply)
