"""`siqa audit` as a library call: resolve batches, plan rules, run sessions, stream findings to the outputs."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from siqa.batch_pass import run_passes
from siqa.causes import fold
from siqa.config import RuleSet, RuleSettings
from siqa.context import BatchInfo, SignalCache
from siqa.dataset.batch import BatchIndex, open_batches
from siqa.dataset.tables import RootTables
from siqa.dataset.units import Session
from siqa.engine.cache import ResultCache
from siqa.engine.internal import plugin_failed
from siqa.engine.local import run_local
from siqa.engine.plan import Plan
from siqa.engine.task import check
from siqa.findings import Finding, Scope
from siqa.norms import Norm, judge
from siqa.outputs import files
from siqa.outputs.lock import LOCK_FILE, OutputError, writing
from siqa.outputs.results import TaskResult, gather
from siqa.outputs.summary import AuditSummary
from siqa.patches.backup import is_inside
from siqa.patches.write import write_patches
from siqa.registry import get_rule
from siqa.release import AuditedBatch, ReleaseRun
from siqa.schemas.version import stamped

ENGINES = ("local", "ray")


@dataclass
class AuditOptions:
    batch: str
    root: Path | None = None
    label: str | None = None
    rules: str | Path | RuleSet = "default"  # a rule set's name or path, or one built in memory
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    out: Path | None = None
    jobs: int = 1
    cache: bool = True
    engine: str = "local"  # or "ray"
    address: str | None = None  # Ray cluster address (engine "ray"); none: a local Ray instance
    asr: dict[str, Any] = field(default_factory=dict)  # overrides of [signals.asr] (--asr, --asr-budget ...)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}: one of {', '.join(ENGINES)}")


@dataclass
class AuditOutcome:
    out_dir: Path
    summary: AuditSummary

    @property
    def findings_path(self) -> Path:
        return self.out_dir / files.FINDINGS_JSONL


Progress = Callable[[str, int, float], None]
"""Called as (event, count, audio_seconds): ("total", n_interactions, 0) once per batch, then ("done", n, s)."""


def default_out_dir(batch: str) -> Path:
    return Path("reports") / batch.replace("/", "-")


def _run_sessions(sessions: list[Session], plan: Plan, options: AuditOptions) -> Iterator[TaskResult]:
    if options.engine == "ray":
        from siqa.engine.ray import run_ray  # Ray is an extra; imported only when asked for

        return run_ray(sessions, plan, options.jobs, options.address)
    return run_local(sessions, plan, options.jobs)


def batch_scope(index: BatchIndex, info: BatchInfo, plan: Plan) -> TaskResult:
    """The batch-scope rules (archives, file names, root tables) over the batch's index (`siqa.testing` too)."""
    result = TaskResult(f"{info.name} (batch rules)")
    for rule in plan.rules(Scope.BATCH):
        check(rule, index, "*", plan, SignalCache(), result)
    return result


@dataclass
class BatchResults:
    """A batch's sessions, held until every one is done: its candidates are judged against the whole batch."""

    collected: TaskResult

    def add(self, result: TaskResult) -> None:
        self.collected.findings.extend(result.findings)
        self.collected.candidates.extend(result.candidates)
        self.collected.skips.extend(result.skips)
        self.collected.metrics.extend(result.metrics)
        gather(self.collected.collected, result.collected)

    def judged(self, plan: Plan) -> JudgedBatch:
        """Batch passes run (`siqa.batch_pass`); candidates judged against their sites' distributions;
        consequences folded into their root finding (`siqa.causes`); findings then in one order whatever the
        engine's completion order (sorted by unit, code and span)."""

        def settings_for(code: str, site: str) -> RuleSettings:
            return plan.ruleset.settings(code, get_rule(code).severity, site=site, label=plan.batch.label)

        passed = run_passes(self.collected.collected, plan.batch, settings_for)
        metrics = self.collected.metrics + passed.metrics
        verdict = judge(self.collected.candidates + passed.candidates, metrics, settings_for)
        findings = sorted(fold(self.collected.findings + passed.findings + verdict.findings), key=Finding.sort_key)
        result = TaskResult(self.collected.key, findings=findings, skips=self.collected.skips + verdict.skips,
                            metrics=metrics)
        return JudgedBatch(result, verdict.norms)


@dataclass
class JudgedBatch:
    result: TaskResult
    norms: list[Norm]


def run_audit(options: AuditOptions, on_finding: Callable[[Finding], None] = lambda f: None,
              progress: Progress = lambda event, n, s: None) -> AuditOutcome:
    """Audit every label of the batch. One writer per output folder (a lock); finished tasks are cached there,
    so a killed run, re-run, resumes where it stopped and produces the same findings."""
    ruleset = _ruleset(options).override_signal("asr", options.asr).with_requirements()
    indexes = open_batches(options.root, options.batch, options.label, ruleset.limits())
    out_dir = options.out or default_out_dir(options.batch)
    if is_inside(out_dir, indexes[0].root):
        raise ValueError(f"the output folder {out_dir} is inside the dataset root {indexes[0].root}: siqa writes "
                         "nothing under the root; choose an --out outside it")
    out_dir.mkdir(parents=True, exist_ok=True)
    busy = (f"another siqa audit is writing {out_dir} (lock {out_dir / LOCK_FILE}); wait for it or choose another "
            "--out")
    with writing(out_dir, busy):
        for stale in out_dir.glob(".*.tmp"):  # left by a killed run; we hold the lock, so no writer owns them
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
        (out_dir / files.SUMMARY_JSON).unlink(missing_ok=True)  # written last: there only if the run completed
        try:
            summary = _audit_into(out_dir, indexes, ruleset, options, on_finding, progress)
        except (OSError, sqlite3.Error) as error:  # readers turn their OS errors into findings: this is an output
            raise OutputError(f"cannot write the audit's outputs in {out_dir}: {error}; the outputs already "
                              "there are whole, and a re-run resumes from the finished sessions") from error
    return AuditOutcome(out_dir, summary)


def _ruleset(options: AuditOptions) -> RuleSet:
    """The options' rule set, loaded by name or path, or as built in memory, with their select and ignore."""
    if not isinstance(options.rules, RuleSet):
        return RuleSet.load(options.rules, options.select, options.ignore)
    return replace(options.rules, select=list(options.select) or options.rules.select,
                   ignore=[*options.rules.ignore, *options.ignore])


def _audit_into(out_dir: Path, indexes: list[BatchIndex], ruleset: RuleSet, options: AuditOptions,
                on_finding: Callable[[Finding], None], progress: Progress) -> AuditSummary:
    summary = AuditSummary()
    table_columns = {name: section.get("columns", {}) for name, section in ruleset.data.get("tables", {}).items()}
    cache_dir = out_dir / files.CACHE_DIR if options.cache else None
    cache = ResultCache(cache_dir, writable=True) if cache_dir else None
    jsonl = out_dir / files.FINDINGS_JSONL
    release = ReleaseRun(ruleset, out_dir)
    streams = [jsonl, out_dir / files.SKIPS_JSONL, out_dir / files.METRICS_JSONL, out_dir / files.UNITS_JSONL,
               out_dir / files.NORMS_JSONL]
    with files.atomic_files(streams) as (findings_out, skips_out, metrics_out, units_out, norms_out):

        def emit(result: TaskResult) -> None:
            for finding in result.findings:
                findings_out.write(finding.to_json() + "\n")
                on_finding(finding)
            skips_out.writelines(map(files.jsonl_line, result.skips))
            metrics_out.writelines(map(files.jsonl_line, result.metrics))

        failures = [plugin_failed(f, options.batch) for f in ruleset.plugin_failures()]
        emit(TaskResult("plugins", findings=failures))
        summary.add_findings(failures)
        for index in indexes:
            tables = RootTables.load(index.root, table_columns, ruleset.limits())
            info = BatchInfo(index.label, index.split, index.batch, tables)
            plan = Plan.build(ruleset, info, cache_dir)
            progress("total", sum(len(s.interactions) for s in index.sessions), 0.0)
            batch = BatchResults(batch_scope(index, info, plan))
            for result in _run_sessions(index.sessions, plan, options):
                if cache is not None:
                    cache.put_many(result.new_cache)
                batch.add(result)
                # the denominators of per-site rates: units audited per session
                units_out.write(files.jsonl_line(files.unit_record(info.name, result.key, result.interactions,
                                                               result.files)))
                summary.add(result)
                progress("done", result.interactions, result.audio_seconds)
            judged = batch.judged(plan)
            norms_out.writelines(files.jsonl_line(norm.to_dict()) for norm in judged.norms)
            emit(judged.result)
            summary.add_findings(judged.result.findings)
            summary.add_skips(judged.result.skips)
            release.add(AuditedBatch(info, plan.codes), batch.collected.collected, judged.result.findings)
        if indexes:  # the release rules (`siqa.release`), over what every batch collected and the keepers' stores
            released = release.finish(tables)
            emit(TaskResult("release", findings=released.findings, skips=released.skips))
            summary.add_findings(released.findings)
            summary.add_skips(released.skips)  # e.g. a refused identity calibration: every appearance, and why
    if cache is not None:
        cache.close()
    files.write_parquet(jsonl, out_dir / files.FINDINGS_PARQUET)
    files.write_metric_tables(out_dir)
    if indexes:
        write_patches(files.read_findings(jsonl), indexes[0].root, out_dir, table_columns)
    files.write_json(out_dir / files.SUMMARY_JSON, stamped(summary.to_dict()))
    return summary
