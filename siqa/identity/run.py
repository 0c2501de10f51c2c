"""`siqa identity` as a library call: merge the identity stores of several audits (batch after batch, shard
after shard) into one, and run the release rules it selects (ID001 and ID002 by default) over it, as an audit
runs them after its batches; write findings, patches and the calibration report."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from siqa.config import RuleSet
from siqa.dataset.tables import RootTables
from siqa.findings import Finding
from siqa.identity import store
from siqa.identity.appearances import SIGNALS
from siqa.identity.release import CALIBRATION_JSON
from siqa.outputs.files import FINDINGS_JSONL, FINDINGS_PARQUET, atomic_writer, write_parquet
from siqa.outputs.lock import writing
from siqa.patches.write import write_patches
from siqa.release import ReleaseResult, ReleaseView, run_release_rules


@dataclass
class IdentityOutcome:
    out_dir: Path
    files: int
    findings: list[Finding] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)  # the calibration report


def release_findings(rows: pd.DataFrame, ruleset: RuleSet, tables: RootTables | None, out: Path) -> ReleaseResult:
    """The release rules `ruleset` selects, over `rows` made the store of the output folder `out`."""
    store.write_store(out, rows)
    return run_release_rules(ReleaseView(out, tables=tables), ruleset)


def run_identity(
    folders: Iterable[Path],
    out: Path,
    rules: str = "default",
    select: Iterable[str] = ("ID",),
    ignore: Iterable[str] = (),
    root: Path | None = None,
    signals: tuple[str, ...] = SIGNALS,
) -> IdentityOutcome:
    """`root` (the dataset root) is needed for the fixes: they patch its `relationships.csv`."""
    ruleset = RuleSet.load(rules, select, ignore).override_signal("identity", {"signals": list(signals)})
    folders = list(folders)
    rows = store.load_stores(folders)
    if not len(rows):
        raise ValueError(
            f"no identity fingerprints in {', '.join(map(str, folders))}: audit with the ID rules "
            "(siqa audit --select ID) first"
        )
    out.mkdir(parents=True, exist_ok=True)
    with writing(out, f"another siqa command is writing {out}; wait for it or choose another --out"):
        columns = {
            name: section.get("columns", {}) for name, section in ruleset.data.get("tables", {}).items()
        }
        tables = RootTables.load(root, columns, ruleset.limits()) if root else None
        findings = release_findings(rows, ruleset, tables, out).findings
        jsonl = out / FINDINGS_JSONL
        with atomic_writer(jsonl) as handle:
            handle.writelines(f.to_json() + "\n" for f in findings)
        write_parquet(jsonl, out / FINDINGS_PARQUET)
        if root is not None:
            write_patches(findings, root, out, columns)
    report_path = out / store.STORE_DIR / CALIBRATION_JSON
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    return IdentityOutcome(out, len(rows), findings, report)
