"""`siqa report FOLDER...`: per-site tables and the HTML dashboard of one or several audit output folders."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

EXIT_OK, EXIT_TOOL_ERROR = 0, 2


def report(
    folders: list[Path] = typer.Argument(..., help="Audit output folders (batches or shards), merged."),
    out: Optional[Path] = typer.Option(None, help="Where tables/ and dashboard/ go (default: the folder, "
                                                  "when only one is given)."),
    root: Optional[Path] = typer.Option(None, envvar="SIQA_ROOT",
                                        help="Dataset root, for waveforms and transcripts on interaction "
                                             "pages and unit counts the folders lack (default: $SIQA_ROOT)."),
    page_size: int = typer.Option(500, min=10, help="Findings per list page."),
) -> None:
    """Write per-site and per-batch tables (Parquet, CSV) and a self-contained HTML dashboard."""
    from rich.console import Console

    from siqa.reports.dashboard import build_reports
    from siqa.reports.site_tables import ReportInputError
    from siqa.reports.terminal import safe

    err = Console(stderr=True, soft_wrap=True, emoji=False)  # dataset text: no :emoji: codes either
    if out is None and len(folders) > 1:
        err.print("[red]siqa report: several folders are merged into one report: say where with --out[/]")
        raise typer.Exit(EXIT_TOOL_ERROR)
    if root is not None and not root.is_dir():
        err.print(f"[red]siqa report: dataset root {safe(str(root))} does not exist[/]", highlight=False)
        raise typer.Exit(EXIT_TOOL_ERROR)
    try:
        outcome = build_reports(out or folders[0], root, folders, page_size)
    except (ReportInputError, ValueError, OSError) as error:
        err.print(f"[red]siqa report: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(EXIT_TOOL_ERROR) from None
    err.print(f"tables: {safe(str(outcome.tables[0].parent))}", highlight=False)
    print(outcome.dashboard)


def register(app: typer.Typer) -> None:
    app.command()(report)
