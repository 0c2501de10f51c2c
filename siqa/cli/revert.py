"""`siqa revert PATCHES --root R`: restore the exact original bytes of every file `siqa apply` changed."""

from __future__ import annotations

from pathlib import Path

import typer

from siqa.exit_codes import ExitCode


def revert(
    patches: Path = typer.Argument(..., help="The patches.jsonl that was applied."),
    root: Path = typer.Option(..., help="The root (or --out folder) apply changed, or a copy of it."),
    backup_dir: Path | None = typer.Option(None, help="Backups and their manifest (default: <patches dir>/backup)."),
) -> None:
    """Restore originals from the backups, hash-checked; refuses (exit 1) a file changed since apply."""
    from rich.console import Console

    from siqa.patches.backup import BackupError, default_folder
    from siqa.patches.model import PatchFileError
    from siqa.patches.revert import revert_patches
    from siqa.reports.patch_summary import render_revert
    from siqa.reports.terminal import safe

    err = Console(stderr=True, emoji=False)  # dataset text: no :emoji: codes either
    if not root.is_dir():
        raise typer.BadParameter(f"{root} is not a folder", param_hint="--root")
    try:
        report = revert_patches(patches, root, backup_dir or default_folder(patches, "backup", root, "--backup-dir"))
    except (PatchFileError, BackupError, OSError) as error:
        err.print(f"[red]siqa revert: {safe(str(error))}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    render_revert(report, err)
    raise typer.Exit(ExitCode.FAILED if report.failed else ExitCode.OK)


def register(app: typer.Typer) -> None:
    app.command()(revert)
