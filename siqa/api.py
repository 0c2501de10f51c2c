"""siqa as a library: audit a batch and get its results in memory, or read a finished audit back.

    result = siqa.audit(root, "dev/0000", rules={"rules": {"TS001": {"min_offset_ms": 80.0}}})
    result.findings        # plain JSON records: exactly the lines of findings.jsonl
    result.frame()         # one row per finding, evidence and fix spread into columns
    result.metrics()       # every quantity measured on every unit (metrics.parquet)
    result.site_table()    # per site: units, findings by severity, flagged interactions, score
    siqa.load("reports/dev-0000") == siqa.audit(root, "dev/0000", out="reports/dev-0000")

Everything the files hold is here, in the same shapes, so a notebook, a pipeline and the CLI (`siqa audit`
is a shell over `audit`) see one result. See docs/python.md.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siqa.audit import AuditOptions, Progress, run_audit
from siqa.config import RuleSet
from siqa.engine.local import default_jobs
from siqa.findings import Finding
from siqa.outputs import files
from siqa.outputs.compatibility import check_folder
from siqa.patches.model import PATCHES_JSONL
from siqa.registry import all_rules
from siqa.reports.site_tables import SITE, SITE_BATCH, ReportInputError, SiteStats, read_folder

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Audit", "audit", "load"]

Rules = str | Path | RuleSet | Mapping[str, Any]
Codes = str | Iterable[str] | None
FIX_FIELDS = ("applicability", "target", "description", "operations")
FRAME_COLUMNS = [name for name in files.PARQUET_SCHEMA.names  # as findings.parquet, evidence and fix spread
                 if name not in {"evidence", "fix", "fix_applicability"}]
SITE_TABLES = ("scores", "families", "quantities", "norms")
_LOADED = ("findings", "skips", "norms", "patches", "summary", "_metrics", "_stats")


class Audit:
    """An audit's results. Read from its output folder on first use, so a release-sized audit is loaded only
    as far as it is asked for; an audit run without an output folder holds everything in memory (`out_dir`
    None). Two audits are equal when their findings, skips, norms, patches, summary and metrics are."""

    def __init__(self, out_dir: Path | None) -> None:
        self.out_dir = out_dir

    def __repr__(self) -> str:
        where = f"in {self.out_dir}" if self.out_dir else "in memory"
        units = self.summary.get("interactions", 0)
        return f"<siqa.Audit: {len(self.findings)} findings, {units} interactions, {where}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Audit):
            return NotImplemented
        mine = (self.findings, self.skips, self.norms, self.patches, self.summary)
        return mine == (other.findings, other.skips, other.norms, other.patches, other.summary) and \
            self._metrics.equals(other._metrics)

    __hash__ = None  # type: ignore[assignment]  # mutable results: equal by content, not hashable

    @cached_property
    def findings(self) -> list[dict[str, Any]]:
        """Every finding, as its line of findings.jsonl (schema: `siqa schema findings`)."""
        return _records(self._path(files.FINDINGS_JSONL))

    @cached_property
    def skips(self) -> list[dict[str, Any]]:
        """Every unit a rule could not judge, with the reason (skips.jsonl)."""
        return _records(self._path(files.SKIPS_JSONL), required=False)

    @cached_property
    def norms(self) -> list[dict[str, Any]]:
        """The distributions the relative rules judged against (norms.jsonl)."""
        return _records(self._path(files.NORMS_JSONL), required=False)

    @cached_property
    def patches(self) -> list[dict[str, Any]]:
        """The proposed fixes per target, hash-pinned (patches.jsonl; `siqa apply` takes the file)."""
        return _records(self._path(PATCHES_JSONL), required=False)

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The run's counts (summary.json): findings per family, site and severity, skips, units, timings."""
        path = self._path(files.SUMMARY_JSON)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ReportInputError(f"{path} cannot be read: {error}") from None

    @property
    def schema_version(self) -> str | None:
        """The output schema version the audit was written in (None: older than versioned outputs)."""
        return self.summary.get("schema_version")

    @property
    def siqa_version(self) -> str | None:
        return self.summary.get("siqa_version")

    def frame(self) -> pd.DataFrame:
        """One row per finding: its fields (the span as `span_start`/`span_end`, the rule `family`), its fix
        as `fix.applicability`, `fix.target`, `fix.description`, `fix.operations` (empty without one), and its
        evidence spread into `evidence.<name>` columns (nested names joined with dots)."""
        import pandas as pd

        rows, fixes = [], []
        for record in self.findings:
            span = record["span"] or (None, None)
            rows.append({**record, "family": Finding.from_dict(record).family, "span_start": span[0],
                         "span_end": span[1]})
            fixes.append({f"fix.{name}": (record["fix"] or {}).get(name) for name in FIX_FIELDS})
        evidence = pd.json_normalize([r["evidence"] for r in self.findings]).add_prefix("evidence.")
        return pd.concat([pd.DataFrame(rows, columns=FRAME_COLUMNS),
                          pd.DataFrame(fixes, columns=[f"fix.{n}" for n in FIX_FIELDS]), evidence], axis=1)

    def metrics(self) -> pd.DataFrame:
        """Every quantity measured on every unit, flagged or not: code, metric, value, site, batch, scope,
        unit."""
        return self._metrics.copy()

    def site_table(self, table: str = "scores", per_batch: bool = False) -> pd.DataFrame:
        """A per-site table (per site and batch with `per_batch`), as `siqa report` writes them under
        tables/: `scores` (units, findings by severity, flagged interactions, the site score), `families`
        (per rule family: findings, flagged interactions, rate), `quantities` (measured values: count, mean,
        median, p90) or `norms` (the distributions judged against; always per site and batch)."""
        stats, by = self._stats, SITE_BATCH if per_batch else SITE
        tables = {"scores": stats.score_table, "families": stats.family_table,
                  "quantities": stats.quantity_table}
        if table == "norms":
            return stats.norm_table()
        if table not in tables:
            raise ValueError(f"unknown site table {table!r}: one of {', '.join(SITE_TABLES)}")
        return tables[table](by)

    @cached_property
    def _metrics(self) -> pd.DataFrame:
        import pandas as pd

        return pd.read_parquet(self._path(files.METRICS_PARQUET))

    @cached_property
    def _stats(self) -> SiteStats:
        return read_folder(self._folder())

    def _folder(self) -> Path:
        if self.out_dir is None:
            raise ReportInputError("this audit was held in memory and its folder is gone")
        return self.out_dir

    def _path(self, name: str) -> Path:
        return self._folder() / name

    def _hold(self) -> None:
        """Read everything into memory, so the output folder can go."""
        for name in _LOADED:
            getattr(self, name)
        self.out_dir = None


def _records(path: Path, required: bool = True) -> list[dict[str, Any]]:
    if not path.is_file():
        if required:
            raise ReportInputError(f"{path.parent} is not an audit output folder: {path.name} is missing")
        return []
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError as error:
                    raise ReportInputError(f"{path} line {number} is not JSON: {error}") from None
    return records


def load(out_dir: str | Path) -> Audit:
    """A finished audit's output folder as an `Audit`. Refuses a folder of another major output schema
    (`IncompatibleOutput`) or an audit that did not finish (no summary.json); a folder written before outputs
    carried a schema version is read, with a warning."""
    folder = Path(out_dir).expanduser()
    if not (folder / files.SUMMARY_JSON).is_file():
        raise ReportInputError(f"{folder} holds no finished audit: {files.SUMMARY_JSON} is missing "
                               "(written last; a killed audit resumes when run again into the same folder)")
    warning = check_folder(folder)
    if warning:
        warnings.warn(warning, stacklevel=2)
    return Audit(folder)


def audit(
    root: str | Path | None,
    batch: str,
    *,
    rules: Rules = "default",
    select: Codes = None,
    ignore: Codes = None,
    jobs: int | None = None,
    out: str | Path | None = None,
    asr: str | Mapping[str, Any] | None = None,
    label: str | None = None,
    engine: str = "local",
    address: str | None = None,
    cache: bool = True,
    on_finding: Callable[[dict[str, Any]], None] | None = None,
    progress: Progress | None = None,
) -> Audit:
    """Audit `batch` (`<split>/<batch>`, e.g. "dev/0000") of the dataset at `root` (None: $SIQA_ROOT, else
    ~/datasets/seamless_interaction), every label unless `label` names one.

    `rules`: a rule set's name ("default", "strict"), a .toml path, a `RuleSet`, or a dict of overrides laid
    over the default set, shaped as the TOML is (`{"rules": {"IN012": {"severity": "error"}}}`; an `extends`
    key picks another base). `select` / `ignore`: codes or prefixes ("IN,TS" or ["IN", "TS001"]). `jobs`:
    worker processes (None: all cores). `out`: the output folder, written as `siqa audit --out` writes it
    (and its cache reused); None writes nothing where you would see it: the outputs go to a temporary folder
    that is read into the result and removed. `asr`: a backend name ("none", "faster-whisper") or a dict of
    `[signals.asr]` settings (`{"backend": "faster-whisper", "model": "bundled", "budget": 0.5}`). `engine`:
    "local" or "ray" (at `address`). `on_finding` gets each finding's record as it is written, `progress`
    the run's progress events (see `siqa.audit.Progress`)."""
    options = AuditOptions(batch=batch, root=Path(root).expanduser() if root is not None else None,
                           label=label, rules=_ruleset(rules), select=_codes(select), ignore=_codes(ignore),
                           jobs=_jobs(jobs, engine), engine=engine, address=address, asr=_asr(asr),
                           cache=cache and out is not None)
    if out is not None:
        return _run(replace(options, out=Path(out).expanduser()), on_finding, progress)
    with tempfile.TemporaryDirectory(prefix="siqa-audit-") as folder:
        result = _run(replace(options, out=Path(folder)), on_finding, progress)
        result._hold()
    return result


def _run(options: AuditOptions, on_finding: Callable[[dict[str, Any]], None] | None,
         progress: Progress | None) -> Audit:
    report = (lambda finding: on_finding(finding.to_dict())) if on_finding else (lambda finding: None)
    outcome = run_audit(options, report, progress or (lambda event, n, seconds: None))
    return Audit(outcome.out_dir)


def _ruleset(rules: Rules) -> str | Path | RuleSet:
    if not isinstance(rules, Mapping):
        return rules
    overrides = dict(rules)
    return RuleSet.from_mapping(overrides, base=overrides.pop("extends", "default"))


def _codes(values: Codes) -> list[str]:
    """Codes or prefixes, as a comma-separated text or a list of them (each may hold commas too)."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [code.strip().upper() for item in items for code in item.split(",") if code.strip()]


def _asr(asr: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if asr is None:
        return {}
    return {"backend": asr} if isinstance(asr, str) else dict(asr)


def _jobs(jobs: int | None, engine: str) -> int:
    """All cores unless told otherwise. Rules defined in an interactive `__main__` (a notebook, `python -c`,
    stdin) exist in this process only: worker processes cannot import them (a script's they can), so those
    audits run in this process."""
    wanted = jobs or default_jobs()
    interactive = not Path(getattr(sys.modules["__main__"], "__file__", None) or "").is_file()
    if wanted > 1 and engine == "local" and interactive and any(r.module == "__main__" for r in all_rules()):
        warnings.warn("rules defined in __main__ (a notebook) cannot be imported by worker processes: "
                      "auditing in this process (jobs=1); put them in a module to use every core",
                      stacklevel=3)
        return 1
    return wanted
