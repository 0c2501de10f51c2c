"""A small synthetic batch per layout with timing offsets (TS001: safe fixes where the offset is certain), audited
once, and what a file's flags must be, computed from its findings."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from siqa.cli.main import app
from siqa.dataset.batch import open_batches
from siqa.findings import Applicability, Finding, Severity
from siqa.synth import SynthConfig
from tests.conftest import synth_and_audit

PROFILE = 'affected = 1.0\nfamilies = ["TS"]\n[weights]\ntiming_offset = 30\n'


def _audit(tmp_path_factory: pytest.TempPathFactory, layout: str, sessions: int):
    root = tmp_path_factory.mktemp(f"export-{layout}")
    config = SynthConfig(layout=layout, sessions=sessions, interactions_per_session=2, duration=10.0, seed=4,
                         variation="none")
    batch, findings, outcome = synth_and_audit(root, PROFILE, config, ["TS001"])
    assert any(f.fix and f.fix.applicability is Applicability.SAFE for f in findings)
    return batch, findings, outcome.out_dir


@pytest.fixture(scope="session")
def extracted_audit(tmp_path_factory):
    return _audit(tmp_path_factory, "extracted", 2)


@pytest.fixture(scope="session")
def tar_audit(tmp_path_factory):
    return _audit(tmp_path_factory, "tar", 1)


@pytest.fixture
def siqa_export(monkeypatch):
    """`siqa export ...` in process, through the whole app (its options callback included)."""
    monkeypatch.setenv("SIQA_LOG_LEVEL", "warning")  # the callback exports the level: restored after the test
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["export", *(str(a) for a in args)])


def expected_flags(findings: list[Finding], file_id: str, applied_safe: bool = False,
                   severity: Severity = Severity.ERROR, confidence: float = 0.0) -> dict:
    """The spec: findings about the file, its interaction or its session; safe fixes applied count as fixed."""
    interaction, session = file_id.rsplit("_", 1)[0], file_id.rsplit("_", 2)[0]
    mine = [f for f in findings if f.file_id == file_id
            or (f.file_id is None and f.interaction_key == interaction)
            or (f.file_id is None and f.interaction_key is None and f.session_key == session)]
    fixed = [f for f in mine if applied_safe and f.fix and f.fix.applicability is Applicability.SAFE]
    standing = [f for f in mine if f not in fixed]
    return {"quality_codes": sorted({f.code for f in standing}),
            "quality_severity": max(standing, key=lambda f: f.severity.rank).severity.value if standing else None,
            "quality_confidence": max((f.confidence for f in standing), default=None),
            "quality_excluded": any(f.severity.rank >= severity.rank and f.confidence >= confidence
                                    for f in standing),
            "quality_fixed": sorted({f.code for f in fixed})}


def flags_of(record: dict) -> dict:
    return {key: value for key, value in record.items() if key.startswith("quality_")}


def file_ids(batch) -> list[str]:
    """Every participant file of the batch, as the dataset loader indexes it."""
    return sorted(str(pf.file_id) for index in open_batches(batch.root, batch.batch)
                  for pf in index.participant_files())
