"""`siqa apply PATCHES --root R`: apply a patches file's fixes to corrected copies, or in place with a backup."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

EXIT_OK, EXIT_REFUSED, EXIT_TOOL_ERROR = 0, 1, 2


class Only(str, Enum):
    safe = "safe"
    unsafe = "unsafe"


def apply(
    patches: Path = typer.Argument(..., help="A patches.jsonl (written by `siqa audit` beside its findings)."),
    root: Path = typer.Option(..., help="Dataset root the patches' targets are relative to."),
    out: Optional[Path] = typer.Option(None, help="Write corrected copies of the patched files here, at the same "
                                                  "relative paths (default: <patches dir>/patched)."),
    in_place: bool = typer.Option(False, "--in-place", help="Change the files under the root, keeping backups."),
    backup_dir: Optional[Path] = typer.Option(None, help="Backups and their manifest (default: <patches dir>/backup)."),
    only: list[Only] = typer.Option([], help="Only fixes of this applicability (repeatable; default: safe and "
                                             "unsafe; display-only fixes are never applied)."),
    select: list[str] = typer.Option([], help="Only these codes or prefixes (comma-separated, repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print a diff per target on stdout; write nothing."),
) -> None:
    """Apply fixes atomically, refusing any target whose hash differs from the patch's; a second run is a no-op."""
    from rich.console import Console

    from siqa.cli.audit import _codes
    from siqa.findings import Applicability
    from siqa.patches.apply import ApplyOptions, apply_patches
    from siqa.patches.backup import BackupError, default_folder, is_inside
    from siqa.patches.model import PatchFileError
    from siqa.patches.summary import render_apply
    from siqa.reports.gate.text import visible_controls
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
        options = ApplyOptions(root=root, out=out, dry_run=dry_run, select=tuple(_codes(select)),
                               backup_dir=backup_dir or default_folder(patches, "backup", root, "--backup-dir"),
                               only=frozenset(Applicability(o.value) for o in only) or ApplyOptions.only)
        report = apply_patches(patches, options)
    except (PatchFileError, BackupError, OSError) as error:
        err.print(f"[red]siqa apply: {safe(str(error))}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_TOOL_ERROR) from None
    for diff in report.diffs:
        sys.stdout.write(visible_controls(diff))  # the documents' text is dataset text
    render_apply(report, err, dry_run)
    if report.written:
        err.print(f"wrote {len(report.written)} files {'in place' if out is None else f'under {out}'}",
                  highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_REFUSED if report.failed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command()(apply)
