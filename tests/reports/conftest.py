"""Audit output folders for the report and gate tests: findings written as `siqa audit` writes them, over a
real synthetic batch (real WAV and JSON from `siqa.synth`) whose transcript carries a script tag, plus a real
audit."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import typer

from siqa.cli import gate as gate_command
from siqa.cli import report as report_command
from siqa.dataset.batch import open_batches
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.outputs.files import FINDINGS_JSONL, METRICS_JSONL, UNITS_JSONL, unit_record
from siqa.synth import SynthConfig, SynthResult, generate
from tests.reports.browser import CHROMIUM, Browser

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
BATCH = "improvised/dev/0000"


def finding(code: str, severity: Severity = Severity.WARNING, site: str = "V00",
            key: str = "V00_S0001_I00000001", participant: str | None = None,
            span: tuple[float, float] | None = None, batch: str = BATCH, message: str = "",
            evidence: dict[str, Any] | None = None, fix: Fix | None = None) -> Finding:
    """A finding as a rule reports it: file scope when a participant is named, else interaction scope."""
    file_id = f"{key}_{participant}" if participant else None
    return Finding(code=code, severity=severity, confidence=0.8,
                   scope=Scope.FILE if file_id else Scope.INTERACTION, site=site,
                   message=message or f"{code} on {file_id or key}", file_id=file_id, interaction_key=key,
                   session_key=key.rsplit("_", 1)[0], batch=batch,
                   path=f"{batch}/0000/{file_id}.wav" if file_id else None, span=span,
                   evidence=evidence or {}, fix=fix)


def write_folder(folder: Path, findings: Iterable[Finding], units: dict[tuple[str, str], int] | None = None,
                 metrics: Iterable[dict[str, Any]] = ()) -> Path:
    """An audit output folder: findings.jsonl, metrics.jsonl, and units.jsonl with `units` interactions per
    (site, batch) in sessions of one interaction (two files each); no units.jsonl when `units` is None."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FINDINGS_JSONL).write_text("".join(f.to_json() + "\n" for f in findings), encoding="utf-8")
    (folder / METRICS_JSONL).write_text("".join(json.dumps(m) + "\n" for m in metrics), encoding="utf-8")
    if units is not None:
        records = [unit_record(batch, f"{site}_S{n:04d}", 1, 2) for (site, batch), count in units.items()
                   for n in range(count)]
        (folder / UNITS_JSONL).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def report_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """Two real interactions (sites V00 and V01); one participant's transcript tries to run a script."""
    root = tmp_path_factory.mktemp("report-batch")
    result = generate(root, SynthConfig(layout="extracted", sessions=2, interactions_per_session=1,
                                        duration=6.0, seed=5, defects="none"))
    for path in sorted(root.glob(f"{BATCH}/*/V00_S0001_I00000001_P*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["metadata:transcript"]:
            document["metadata:transcript"][0]["transcript"] = f"hello {HOSTILE} world"
            path.write_text(json.dumps(document), encoding="utf-8")
            break
    return result


@pytest.fixture(scope="session")
def participants(report_batch: SynthResult) -> dict[str, list[str]]:
    """Interaction key -> its participants (`P0103`), as the reader sees them."""
    index = open_batches(report_batch.root, report_batch.batch, report_batch.label)[0]
    return {i.key: [str(p.file_id).rsplit("_", 1)[1] for p in i.participants]
            for s in index.sessions for i in s.interactions}


def hostile_findings(participants: dict[str, list[str]]) -> list[Finding]:
    """Findings on the real interactions: spans, evidence, a fix, and dataset text that tries to run code."""
    first = participants["V00_S0001_I00000001"][0]
    fix = Fix(Applicability.UNSAFE, "interactions.csv#V00_S0001_I00000001",
              [{"op": "replace", "path": "/prompt", "value": HOSTILE}], f"replace the prompt with {HOSTILE}")
    return [
        finding("BL001", participant=first, span=(1.0, 2.5), evidence={"level_db": -24.0, "note": HOSTILE},
                message=f"bleed in {HOSTILE}"),
        finding("TS003", span=(4.0, 5.5), evidence={"silent_seconds": 1.5}, fix=fix),
        finding("IN014", Severity.ERROR, site="V01", key="V01_S0002_I00000002",
                participant=participants["V01_S0002_I00000002"][0], span=(0.0, 6.0),
                evidence={"vad_seconds": 3.0, "loud_ratio": 0.0}),
    ]


def cli_app() -> typer.Typer:
    """`report` and `gate` on a typer app, as `siqa.cli.main` registers commands."""
    app = typer.Typer()
    report_command.register(app)
    gate_command.register(app)
    return app


@pytest.fixture(scope="session")
def browser() -> Iterable[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: browser tests need Debian's chromium (apt-get install chromium)")
    session = Browser()
    yield session
    session.close()
