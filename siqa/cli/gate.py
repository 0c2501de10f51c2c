"""`siqa gate CURRENT [--baseline PREVIOUS]`: fail a release whose audit breaches the gate policy."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from siqa.exit_codes import ExitCode


class GateFormat(str, Enum):
    markdown = "markdown"
    github = "github"
    junit = "junit"
    sarif = "sarif"


def gate(
    current: Path = typer.Argument(..., help="Audit output folder of the release to judge."),
    baseline: Path | None = typer.Option(None, help="Audit output folder of the previous release."),
    policy: Path | None = typer.Option(None, help="Gate policy TOML (default: rules/gate.toml)."),
    out: Path | None = typer.Option(None, help="Folder for every format (default: CURRENT/gate)."),
    output_format: GateFormat = typer.Option(GateFormat.markdown, "--format",
                                             help="What goes to stdout (github: annotations for Actions)."),
    markdown: Path | None = typer.Option(None, help="Write the Markdown summary here instead."),
    junit: Path | None = typer.Option(None, help="Write the JUnit XML here instead."),
    sarif: Path | None = typer.Option(None, help="Write the SARIF log here instead."),
    annotations: Path | None = typer.Option(None, help="Write the GitHub annotations here instead."),
    decisions: Path | None = typer.Option(None, help="A curator's decisions file (the dashboard's export): "
                                                        "rejected findings are not counted."),
) -> None:
    """Compare a release with the previous one per site and family; exit 1 on a policy breach."""
    from rich.console import Console

    from siqa.decisions import DecisionsError, load_decisions
    from siqa.reports.gate import GATE_DIR, PolicyError, default_paths, load_policy, run_gate, write_outputs
    from siqa.reports.site_tables import ReportInputError
    from siqa.reports.terminal import safe

    err = Console(stderr=True, soft_wrap=True, emoji=False)  # dataset text: no :emoji: codes either
    paths = default_paths(out or current / GATE_DIR)
    overrides = {"markdown": markdown, "junit": junit, "sarif": sarif, "github": annotations}
    paths.update({name: path for name, path in overrides.items() if path is not None})
    try:
        rejected = load_decisions(decisions).rejected_findings() if decisions else frozenset()
        result = run_gate(current, baseline, load_policy(policy), rejected)
        texts = write_outputs(result, paths)
    except (DecisionsError, PolicyError, ReportInputError, ValueError, OSError) as error:
        err.print(f"[red]siqa gate: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    for release in (result.current, result.baseline):  # an audit older than versioned outputs
        if release is not None and release.version_warning:
            err.print(f"[yellow]siqa gate: {safe(release.version_warning)}[/]", highlight=False)
    sys.stdout.write(texts[output_format.value])
    err.print(f"gate: {'passed' if result.passed else f'{len(result.breaches)} breach(es)'}; outputs in "
              f"{safe(str(paths['markdown'].parent))}", highlight=False)
    raise typer.Exit(ExitCode.OK if result.passed else ExitCode.FAILED)


def register(app: typer.Typer) -> None:
    app.command()(gate)
