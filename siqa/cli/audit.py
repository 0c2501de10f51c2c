"""`siqa audit`: audit one batch (or, with no --batch, a synthetic demo batch made on first use)."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from siqa.exit_codes import ExitCode


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class AsrBackendName(str, Enum):
    faster_whisper = "faster-whisper"
    none = "none"


class OutputFormat(str, Enum):
    summary = "summary"
    table = "table"
    json = "json"
    jsonl = "jsonl"


def audit(
    ctx: typer.Context,
    batch: str | None = typer.Option(None, help="Batch to audit, <split>/<batch> (e.g. dev/0000). "
                                                   "Omitted: audit the synthetic demo batch."),
    root: Path | None = typer.Option(None, help="Dataset root (default: $SIQA_ROOT, else [tool.siqa] root, "
                                                   "else ~/datasets/seamless_interaction)."),
    label: str | None = typer.Option(None, help="Only this label (improvised or naturalistic)."),
    rules: str = typer.Option("default", help="Rule set: a name in rules/ or a .toml path."),
    select: list[str] = typer.Option([], help="Only these codes or prefixes (comma-separated, repeatable)."),
    ignore: list[str] = typer.Option([], help="Skip these codes or prefixes."),
    out: Path | None = typer.Option(None, help="Output folder (default: reports/<split>-<batch>)."),
    output_format: OutputFormat = typer.Option(OutputFormat.summary, "--format",
                                               help="What goes to stdout: summary only, or every finding."),
    jobs: int = typer.Option(0, help="Worker processes (default: all cores; with --engine ray and no "
                                     "--address, the CPUs of the local Ray instance)."),
    engine: Engine = typer.Option(Engine.local, help="Where sessions run: local processes, or Ray (siqa[ray])."),
    address: str | None = typer.Option(None, help="Ray cluster address (e.g. auto or ray://head:10001); "
                                                     "omitted: a local Ray instance."),
    fail_on: str = typer.Option("error", help="Exit 1 when a finding has at least this severity "
                                              "(error, warning, info) or never."),
    cache: bool = typer.Option(True, help="Reuse results of unchanged rules on unchanged files (and resume a "
                                          "killed run) from the output folder's cache."),
    report: bool = typer.Option(True, help="Also write per-site tables and the HTML dashboard (siqa report)."),
    asr: AsrBackendName | None = typer.Option(None, help="ASR backend for the transcript and prompt "
                                                 "cross-checks; none: ASR-dependent rules are skipped, with the "
                                                 "reason (default: the rule set's [signals.asr])."),
    asr_budget: float | None = typer.Option(None, help="Share of each session's audio seconds ASR may "
                                                          "transcribe (1.0: everything; see docs/asr.md)."),
    asr_model: str | None = typer.Option(None, help="Whisper model: bundled (the tiny model the demo extra "
                                                       "installs), a name such as large-v3, or a local "
                                                       "CTranslate2 folder."),
    asr_device: str | None = typer.Option(None, help="Where ASR runs: cpu, cuda or auto."),
    asr_compute_type: str | None = typer.Option(None, help="CTranslate2 compute type: int8, float16, "
                                                              "int8_float16, float32 ..."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar (also with -q)."),
    show_config: bool = typer.Option(False, "--show-config", help="Print the effective root, rules, out, fail_on, "
                                     "select, ignore and jobs, and where each came from (flags, $SIQA_ROOT, "
                                     "siqa.toml or [tool.siqa], defaults); audit nothing."),
) -> None:
    """Audit a batch: findings to the output folder (JSONL, Parquet), a summary by family and site on stderr."""
    if show_config:
        from siqa.project_config import describe

        sys.stdout.write(describe(ctx))
        raise typer.Exit(ExitCode.OK)
    from rich.console import Console

    from siqa.api import audit as run
    from siqa.audit import default_out_dir
    from siqa.config import ConfigError
    from siqa.dataset.errors import DatasetNotFound, TableError
    from siqa.engine.ray import EngineUnavailable
    from siqa.findings import Finding, Severity
    from siqa.outputs.files import FINDINGS_JSONL
    from siqa.outputs.lock import OutputBusy, OutputError
    from siqa.outputs.summary import AuditSummary
    from siqa.reports.progress import audit_progress
    from siqa.reports.summary import render_summary
    from siqa.reports.terminal import findings_table, safe

    err = Console(stderr=True, emoji=False)  # dataset text: no :emoji: codes either
    try:
        threshold = None if fail_on == "never" else Severity.parse(fail_on)
        if batch is None:
            from siqa.demo import DEMO_BATCH, ensure_demo_root

            root, batch = ensure_demo_root(err), DEMO_BATCH
        out_dir = (out or default_out_dir(batch)).expanduser()
        stream = _write_line if output_format is OutputFormat.jsonl else None
        with audit_progress(err, enabled=not no_progress) as progress:
            asr_settings = _asr_overrides(asr, asr_budget, asr_model, asr_device, asr_compute_type)
            result = run(root, batch, rules=rules, select=select, ignore=ignore, jobs=jobs or None,
                         out=out_dir, label=label, engine=engine.value, address=address,
                         cache=cache, asr=asr_settings, on_finding=stream, progress=progress)
    except (DatasetNotFound, ConfigError, TableError, OutputBusy, OutputError, EngineUnavailable, ValueError,
            OSError) as error:
        err.print(f"[red]siqa audit: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    if output_format is OutputFormat.table:
        findings = sorted(map(Finding.from_dict, result.findings), key=lambda f: f.sort_key())
        findings_table(findings, Console(emoji=False))
    elif output_format is OutputFormat.json:
        sys.stdout.write("[" + ",\n".join(json.dumps(r, sort_keys=True) for r in result.findings) + "]\n")
    summary = AuditSummary.from_dict(result.summary)
    render_summary(summary, err)
    if report:
        _report(out_dir, root, err)
    err.print(f"findings: {safe(str(out_dir / FINDINGS_JSONL))}", highlight=False, soft_wrap=True)
    failed = threshold is not None and summary.count_at_least(threshold) > 0
    raise typer.Exit(ExitCode.FAILED if failed else ExitCode.OK)


def _write_line(record: dict) -> None:
    """`--format jsonl`: stdout carries one finding per line, nothing else."""
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")


def _asr_overrides(backend: AsrBackendName | None, budget: float | None, model: str | None,
                   device: str | None, compute_type: str | None) -> dict:
    """The --asr* options given, as `[signals.asr]` values."""
    if budget is not None and not 0.0 <= budget <= 1.0:
        raise typer.BadParameter(f"--asr-budget must be between 0 and 1, not {budget}")
    given = {"backend": backend.value if backend else None, "budget": budget, "model": model, "device": device,
             "compute_type": compute_type}
    return {k: v for k, v in given.items() if v is not None}


def _report(out_dir: Path, root: Path | None, err) -> None:
    """The dashboard is a view of the findings: if it fails, say so and keep the audit's outcome."""
    from siqa.dataset.batch import resolve_root
    from siqa.reports.dashboard import build_reports
    from siqa.reports.terminal import safe

    try:
        outcome = build_reports(out_dir, resolve_root(root)[0])
    except Exception as error:  # noqa: BLE001 - the audit's findings are already written
        reason = safe(f"{type(error).__name__}: {error}")
        err.print(f"[yellow]siqa audit: the report could not be built: {reason}[/]", highlight=False)
        return
    err.print(f"dashboard: {safe(str(outcome.dashboard))}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(audit)
