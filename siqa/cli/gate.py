"""`siqa gate CURRENT [--baseline PREVIOUS]`: fail a release whose audit breaches the gate policy."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

EXIT_PASSED, EXIT_BREACH, EXIT_TOOL_ERROR = 0, 1, 2


class GateFormat(str, Enum):
    markdown = "markdown"
    github = "github"
    junit = "junit"
    sarif = "sarif"


def gate(
    current: Path = typer.Argument(..., help="Audit output folder of the release to judge."),
    baseline: Optional[Path] = typer.Option(None, help="Audit output folder of the previous release."),
    policy: Optional[Path] = typer.Option(None, help="Gate policy TOML (default: rules/gate.toml)."),
    out: Optional[Path] = typer.Option(None, help="Folder for every format (default: CURRENT/gate)."),
    output_format: GateFormat = typer.Option(GateFormat.markdown, "--format",
                                             help="What goes to stdout (github: annotations for Actions)."),
    markdown: Optional[Path] = typer.Option(None, help="Write the Markdown summary here instead."),
    junit: Optional[Path] = typer.Option(None, help="Write the JUnit XML here instead."),
    sarif: Optional[Path] = typer.Option(None, help="Write the SARIF log here instead."),
    annotations: Optional[Path] = typer.Option(None, help="Write the GitHub annotations here instead."),
) -> None:
    """Compare a release with the previous one per site and family; exit 1 on a policy breach."""
    from rich.console import Console

    from siqa.reports.gate import GATE_DIR, PolicyError, default_paths, load_policy, run_gate, write_outputs
    from siqa.reports.site_tables import ReportInputError
    from siqa.reports.terminal import safe

    err = Console(stderr=True, soft_wrap=True, emoji=False)  # dataset text: no :emoji: codes either
    paths = default_paths(out or current / GATE_DIR)
    overrides = {"markdown": markdown, "junit": junit, "sarif": sarif, "github": annotations}
    paths.update({name: path for name, path in overrides.items() if path is not None})
    try:
        result = run_gate(current, baseline, load_policy(policy))
        texts = write_outputs(result, paths)
    except (PolicyError, ReportInputError, ValueError, OSError) as error:
        err.print(f"[red]siqa gate: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(EXIT_TOOL_ERROR) from None
    sys.stdout.write(texts[output_format.value])
    err.print(f"gate: {'passed' if result.passed else f'{len(result.breaches)} breach(es)'}; outputs in "
              f"{safe(str(paths['markdown'].parent))}", highlight=False)
    raise typer.Exit(EXIT_PASSED if result.passed else EXIT_BREACH)


def register(app: typer.Typer) -> None:
    app.command()(gate)
