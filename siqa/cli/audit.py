"""`siqa audit`: audit one batch (or, with no --batch, a synthetic demo batch made on first use)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

EXIT_CLEAN, EXIT_FINDINGS, EXIT_TOOL_ERROR = 0, 1, 2


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


def _codes(values: list[str]) -> list[str]:
    return [code.strip().upper() for value in values for code in value.split(",") if code.strip()]


def audit(
    batch: Optional[str] = typer.Option(None, help="Batch to audit, <split>/<batch> (e.g. dev/0000). "
                                                   "Omitted: audit the synthetic demo batch."),
    root: Optional[Path] = typer.Option(None, help="Dataset root (default: $SIQA_ROOT, else "
                                                   "~/datasets/seamless_interaction)."),
    label: Optional[str] = typer.Option(None, help="Only this label (improvised or naturalistic)."),
    rules: str = typer.Option("default", help="Rule set: a name in rules/ or a .toml path."),
    select: list[str] = typer.Option([], help="Only these codes or prefixes (comma-separated, repeatable)."),
    ignore: list[str] = typer.Option([], help="Skip these codes or prefixes."),
    out: Optional[Path] = typer.Option(None, help="Output folder (default: reports/<split>-<batch>)."),
    output_format: OutputFormat = typer.Option(OutputFormat.summary, "--format",
                                               help="What goes to stdout: summary only, or every finding."),
    jobs: int = typer.Option(0, help="Worker processes (default: all cores; with --engine ray and no "
                                     "--address, the CPUs of the local Ray instance)."),
    engine: Engine = typer.Option(Engine.local, help="Where sessions run: local processes, or Ray (siqa[ray])."),
    address: Optional[str] = typer.Option(None, help="Ray cluster address (e.g. auto or ray://head:10001); "
                                                     "omitted: a local Ray instance."),
    fail_on: str = typer.Option("error", help="Exit 1 when a finding has at least this severity "
                                              "(error, warning, info) or never."),
    cache: bool = typer.Option(True, help="Reuse results of unchanged rules on unchanged files (and resume a "
                                          "killed run) from the output folder's cache."),
    report: bool = typer.Option(True, help="Also write per-site tables and the HTML dashboard (siqa report)."),
    asr: Optional[AsrBackendName] = typer.Option(None, help="ASR backend for the transcript and prompt "
                                                 "cross-checks; none: ASR-dependent rules are skipped, with the "
                                                 "reason (default: the rule set's [signals.asr])."),
    asr_budget: Optional[float] = typer.Option(None, help="Share of each session's audio seconds ASR may "
                                                          "transcribe (1.0: everything; see docs/asr.md)."),
    asr_model: Optional[str] = typer.Option(None, help="Whisper model: bundled (the tiny model the demo extra "
                                                       "installs), a name such as large-v3, or a local "
                                                       "CTranslate2 folder."),
    asr_device: Optional[str] = typer.Option(None, help="Where ASR runs: cpu, cuda or auto."),
    asr_compute_type: Optional[str] = typer.Option(None, help="CTranslate2 compute type: int8, float16, "
                                                              "int8_float16, float32 ..."),
) -> None:
    """Audit a batch: findings to the output folder (JSONL, Parquet), a summary by family and site on stderr."""
    from rich.console import Console

    from siqa.audit import AuditOptions, OutputBusy, OutputError, run_audit
    from siqa.config import ConfigError
    from siqa.dataset.errors import DatasetNotFound, TableError
    from siqa.engine.local import default_jobs
    from siqa.engine.ray import EngineUnavailable
    from siqa.findings import Severity
    from siqa.reports.progress import audit_progress
    from siqa.reports.terminal import findings_table, safe

    err = Console(stderr=True, emoji=False)  # dataset text: no :emoji: codes either
    try:
        threshold = None if fail_on == "never" else Severity.parse(fail_on)
        if batch is None:
            from siqa.demo import DEMO_BATCH, ensure_demo_root

            root, batch = ensure_demo_root(err), DEMO_BATCH
        options = AuditOptions(batch=batch, root=root, label=label, rules=rules, select=_codes(select),
                               ignore=_codes(ignore), out=out, jobs=jobs or default_jobs(), cache=cache,
                               engine=engine.value, address=address,
                               asr=_asr_overrides(asr, asr_budget, asr_model, asr_device, asr_compute_type))
        collected: list = []
        if output_format is OutputFormat.jsonl:  # stream: stdout carries one finding per line, nothing else
            on_finding = lambda f: sys.stdout.write(f.to_json() + "\n")  # noqa: E731
        elif output_format is OutputFormat.summary:
            on_finding = lambda f: None  # noqa: E731
        else:
            on_finding = collected.append
        with audit_progress(err) as progress:
            outcome = run_audit(options, on_finding=on_finding, progress=progress)
    except (DatasetNotFound, ConfigError, TableError, OutputBusy, OutputError, EngineUnavailable, ValueError,
            OSError) as error:
        err.print(f"[red]siqa audit: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(EXIT_TOOL_ERROR) from None
    if output_format is OutputFormat.table:
        findings_table(sorted(collected, key=lambda f: f.sort_key()), Console(emoji=False))
    elif output_format is OutputFormat.json:
        sys.stdout.write("[" + ",\n".join(f.to_json() for f in collected) + "]\n")
    outcome.summary.render(err)
    if report:
        _report(outcome.out_dir, options.root, err)
    err.print(f"findings: {safe(str(outcome.findings_path))}", highlight=False, soft_wrap=True)
    failed = threshold is not None and outcome.summary.count_at_least(threshold) > 0
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _asr_overrides(backend: Optional[AsrBackendName], budget: Optional[float], model: Optional[str],
                   device: Optional[str], compute_type: Optional[str]) -> dict:
    """The --asr* options given, as `[signals.asr]` values."""
    if budget is not None and not 0.0 <= budget <= 1.0:
        raise typer.BadParameter(f"--asr-budget must be between 0 and 1, not {budget}")
    given = {"backend": backend.value if backend else None, "budget": budget, "model": model, "device": device,
             "compute_type": compute_type}
    return {k: v for k, v in given.items() if v is not None}


def _report(out_dir: Path, root: Optional[Path], err) -> None:
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
