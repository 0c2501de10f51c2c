"""`siqa identity FOLDER...`: participant identity across the whole release, from the audits' stores."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from siqa.exit_codes import ExitCode


def identity(
    folders: list[Path] = typer.Argument(
        ...,
        help="Audit output folders whose identity stores are compared together (every batch of the release).",
    ),
    out: Path = typer.Option(Path("reports/identity"), help="Where findings, patches and identity/ go."),
    root: Path | None = typer.Option(
        None, envvar="SIQA_ROOT", help="Dataset root: needed to propose fixes (its relationships.csv)."
    ),
    rules: str = typer.Option("default", help="Rule set: a name in rules/ or a .toml path."),
    signals: str = typer.Option("voice,visual", help="Fingerprint signals compared: voice, visual or both."),
    jsonl: bool = typer.Option(False, "--jsonl", help="Print every finding as JSON lines on stdout."),
    fail_on: str = typer.Option("error", help="Exit 1 when a finding has at least this severity, or never."),
) -> None:
    """Compare every stored participant file with every other: one id for two people (ID001), two ids for one
    person (ID002), with per-site thresholds calibrated from the release itself."""
    from rich.console import Console
    from rich.table import Table

    from siqa.config import ConfigError
    from siqa.dataset.errors import TableError
    from siqa.findings import Severity
    from siqa.identity.appearances import SIGNALS
    from siqa.identity.run import run_identity
    from siqa.outputs.lock import OutputBusy

    err = Console(stderr=True)
    chosen = tuple(s.strip() for s in signals.split(",") if s.strip())
    try:
        if not chosen or set(chosen) - set(SIGNALS):
            raise ValueError(f"--signals takes {', '.join(SIGNALS)} (comma-separated), not {signals!r}")
        threshold = None if fail_on == "never" else Severity.parse(fail_on)
        outcome = run_identity(folders, out, rules, root=root, signals=chosen)
    except (ConfigError, TableError, OutputBusy, ValueError, OSError) as error:
        err.print(f"[red]siqa identity: {error}[/]", highlight=False)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    if jsonl:
        sys.stdout.writelines(f.to_json() + "\n" for f in outcome.findings)
    report = outcome.report
    err.print(
        f"{outcome.files} files, {report.get('appearances', 0)} sessions x ids, "
        f"{report.get('participant_ids', 0)} participant ids",
        highlight=False,
    )
    if not report.get("calibrated"):
        err.print(f"[yellow]not calibrated: {report.get('reason', 'the ID rules are not selected')}[/]")
    else:
        table = Table(title="calibrated thresholds (fused distance)")
        for column in ("site", "source", "threshold", "same-id median", "different-id median", "d'"):
            table.add_column(column)
        for site, model in report["thresholds"]["sites"].items():
            table.add_row(
                site,
                model["source"],
                f"{model['threshold']:.3f}",
                f"{model['same_id']['median']:.3f}",
                f"{model['different_id']['median']:.3f}",
                f"{model['d_prime']:.1f}",
            )
        err.print(table)
    codes = sorted({f.code for f in outcome.findings})
    err.print(
        "findings: "
        + (", ".join(f"{c} {sum(f.code == c for f in outcome.findings)}" for c in codes) or "none"),
        highlight=False,
    )
    err.print(f"written to {outcome.out_dir}", highlight=False, soft_wrap=True)
    failed = threshold is not None and any(f.severity.rank >= threshold.rank for f in outcome.findings)
    raise typer.Exit(ExitCode.FAILED if failed else ExitCode.OK)


def register(app: typer.Typer) -> None:
    app.command()(identity)
