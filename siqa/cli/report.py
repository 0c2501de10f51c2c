"""`siqa report FOLDER...`: per-site tables and the HTML dashboard of one or several audit output folders."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from siqa.exit_codes import ExitCode

if TYPE_CHECKING:
    from siqa.reports.dashboard.clips import MediaLimits

MIB = 1 << 20


def report(
    folders: list[Path] = typer.Argument(..., help="Audit output folders (batches or shards), merged."),
    out: Path | None = typer.Option(None, help="Where tables/ and dashboard/ go (default: the folder, "
                                                  "when only one is given)."),
    root: Path | None = typer.Option(None, envvar="SIQA_ROOT",
                                        help="Dataset root, for waveforms and transcripts on interaction "
                                             "pages and unit counts the folders lack (default: $SIQA_ROOT)."),
    page_size: int = typer.Option(500, min=10, help="Findings per list page."),
    decisions: Path | None = typer.Option(None, help="A curator's decisions file (the dashboard's export): "
                                                        "rejected findings are shown as reviewed, not counted."),
    jobs: int = typer.Option(0, min=0, help="Processes that build interaction pages (0: one per core)."),
    clip_context: float | None = typer.Option(None, min=0.0, help="Seconds heard and drawn before and after a "
                                                                  "flagged span (default 1)."),
    clip_seconds: float | None = typer.Option(None, min=0.5, help="The longest clip, context included: a longer "
                                                                  "span is heard from its start (default 20)."),
    page_media_mib: float | None = typer.Option(None, min=0.0, help="MiB of clips, spectrograms and video frames "
                                                                    "per interaction page (default 4)."),
    dashboard_media_mib: float | None = typer.Option(None, min=0.0, help="MiB of media of all interaction pages "
                                                                         "with findings together; each page gets "
                                                                         "an equal share at most (default 512)."),
) -> None:
    """Write per-site and per-batch tables (Parquet, CSV) and a self-contained HTML dashboard."""
    from rich.console import Console

    from siqa.decisions import DecisionsError, load_decisions
    from siqa.outputs.compatibility import check_folder
    from siqa.reports.dashboard import build_reports
    from siqa.reports.site_tables import ReportInputError
    from siqa.reports.terminal import safe

    err = Console(stderr=True, soft_wrap=True, emoji=False)  # dataset text: no :emoji: codes either
    if out is None and len(folders) > 1:
        err.print("[red]siqa report: several folders are merged into one report: say where with --out[/]")
        raise typer.Exit(ExitCode.TOOL_ERROR)
    if root is not None and not root.is_dir():
        err.print(f"[red]siqa report: dataset root {safe(str(root))} does not exist[/]", highlight=False)
        raise typer.Exit(ExitCode.TOOL_ERROR)
    try:
        for warning in filter(None, map(check_folder, folders)):  # another major schema: refused (exit 2)
            err.print(f"[yellow]siqa report: {safe(warning)}[/]", highlight=False)
        read = load_decisions(decisions) if decisions is not None else None
        limits = media_limits(clip_context, clip_seconds, page_media_mib, dashboard_media_mib)
        outcome = build_reports(out or folders[0], root, folders, page_size, decisions=read,
                                workers=jobs or os.cpu_count() or 1, limits=limits)
    except (DecisionsError, ReportInputError, ValueError, OSError) as error:
        err.print(f"[red]siqa report: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    err.print(f"tables: {safe(str(outcome.tables[0].parent))}; dashboard: {outcome.rendered} pages built, "
              f"{outcome.kept} unchanged", highlight=False)
    print(outcome.dashboard)


def media_limits(context: float | None, clip: float | None, page_mib: float | None,
                 dashboard_mib: float | None) -> MediaLimits:
    """The default limits (docs/dashboard.md) with those given on the command line; the defaults stay in one
    place, and loading the dashboard's code waits until a report is written."""
    from siqa.reports.dashboard.clips import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS
    return replace(limits, context_seconds=limits.context_seconds if context is None else context,
                   clip_seconds=limits.clip_seconds if clip is None else clip,
                   page_bytes=limits.page_bytes if page_mib is None else round(page_mib * MIB),
                   dashboard_bytes=limits.dashboard_bytes if dashboard_mib is None else round(dashboard_mib * MIB))


def register(app: typer.Typer) -> None:
    app.command()(report)
