"""End to end: synthesise a batch with every integrity defect, audit it, match findings to the ground truth."""

from __future__ import annotations

import json

import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import read_findings
from siqa.synth.scoring import EXPECTED, score


@pytest.fixture(scope="module")
def audited(integrity_batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    outcome = run_audit(AuditOptions(batch=integrity_batch.batch, root=integrity_batch.root, out=out, jobs=2))
    return outcome, list(read_findings(outcome.findings_path))


def test_every_injected_integrity_defect_is_found_and_nothing_else(integrity_batch, audited):
    _, findings = audited
    injected = {r["defect"] for r in integrity_batch.truth}
    assert {d for d, codes in EXPECTED.items() if codes[0].startswith("IN")} <= injected, \
        "the fixture must inject every integrity defect"
    result, missed, unexplained = score(findings, integrity_batch.truth, {f"IN{n:03d}" for n in range(1, 21)})
    assert missed == [] and result.recall == 1.0
    assert unexplained == [], [f"{f.code} {f.unit_key}: {f.message}" for f in unexplained]


def test_clean_units_get_no_integrity_finding(integrity_batch, audited):
    _, findings = audited
    touched = {r.get("interaction_key") for r in integrity_batch.truth}
    on_clean = [f for f in findings if f.family == "IN" and f.interaction_key and f.interaction_key not in touched]
    assert on_clean == []


def test_outputs_are_complete_and_consistent(audited):
    outcome, findings = audited
    import pandas as pd

    table = pd.read_parquet(outcome.out_dir / "findings.parquet")
    assert len(table) == len(findings) > 0
    summary = json.loads((outcome.out_dir / "summary.json").read_text())
    counted = [f for f in findings if f.caused_by is None]  # a folded finding is counted at its root
    assert summary["interactions"] == 32 and sum(r["count"] for r in summary["findings"]) == len(counted)
    assert len(counted) < len(findings)  # the silent and unreadable channels explain findings of their own
    assert all(0 <= f.confidence <= 1 and f.site.startswith("V") for f in findings)


def test_results_do_not_depend_on_the_number_of_workers(integrity_batch, audited, tmp_path):
    _, parallel = audited
    serial = run_audit(AuditOptions(batch=integrity_batch.batch, root=integrity_batch.root, out=tmp_path, jobs=1,
                                    cache=False))
    assert [f.to_json() for f in read_findings(serial.findings_path)] == [f.to_json() for f in parallel]
