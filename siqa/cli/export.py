"""`siqa export AUDIT --to lhotse|hf|nemo|exclude-list --out DIR`: an audit's flags (and safe fixes) for training
pipelines."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from siqa.exit_codes import ExitCode


class Target(str, Enum):
    lhotse = "lhotse"
    hf = "hf"
    nemo = "nemo"
    exclude_list = "exclude-list"


def export(
    audit: Path = typer.Argument(..., help="Audit output folder (findings.jsonl, patches.jsonl, units.jsonl)."),
    to: Target = typer.Option(..., "--to", help="lhotse: recording, supervision and cut sets; hf: a Parquet "
                                                "dataset; nemo: a JSONL manifest; exclude-list: file ids."),
    out: Path = typer.Option(..., help="Folder to write into."),
    root: Path | None = typer.Option(None, help="Dataset root the audit read (default: as siqa audit's: "
                                                   "$SIQA_ROOT, [tool.siqa] root, ~/datasets/seamless_interaction)."),
    apply_safe: bool = typer.Option(False, "--apply-safe", help="Transcripts with the audit's safe fixes applied "
                                                                "in memory (the dataset is not written)."),
    min_severity: str = typer.Option("error", help="A file is excluded when a finding about it has at least this "
                                                   "severity (error, warning, info) ..."),
    min_confidence: float = typer.Option(0.0, min=0.0, max=1.0, help="... and at least this confidence."),
) -> None:
    """Export per-file quality flags, corrected transcripts and an exclude list for Lhotse, HF datasets, NeMo."""
    from siqa.dataset.batch import resolve_root
    from siqa.export import ExportError, Threshold
    from siqa.export import export as run_export
    from siqa.findings import Severity
    from siqa.reports.gate.text import visible_controls

    try:
        threshold = Threshold(Severity.parse(min_severity), min_confidence)
        counts = run_export(audit, to.value, out, resolve_root(root)[0], apply_safe, threshold)
    except (ExportError, ValueError, OSError) as error:
        typer.echo(f"siqa export: {visible_controls(str(error))}", err=True)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    typer.echo(f"{to.value}: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + f" in {out}", err=True)
    typer.echo(str(out))


def register(app: typer.Typer) -> None:
    app.command()(export)
