"""Moment-of-interest rules on synthetic batches: each finds its injected defect, a clean batch stays quiet,
malformed annotation shapes become findings, and MO001's fix extends the window (and reverts)."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from siqa.audit import AuditOptions, run_audit
from siqa.cli.main import app
from siqa.outputs.files import read_findings
from siqa.synth import SynthConfig, generate
from siqa.synth.scoring import score

MO = {"MO001", "MO002", "MO003"}


def _audit(root, batch, out, select=("MO",)):
    outcome = run_audit(AuditOptions(batch=batch, root=root, out=out, jobs=1, select=list(select), cache=False))
    return list(read_findings(outcome.findings_path))


def test_each_moi_defect_is_found_by_its_rule_and_nothing_else_fires(moi_av_audit):
    batch, findings, _ = moi_av_audit
    injected = {r["defect"] for r in batch.truth}
    assert {"moi_truncated", "moi_displaced", "moi_spurious"} <= injected
    result, missed, unexplained = score(findings, batch.truth, MO)
    assert missed == [] and unexplained == [], (missed, unexplained)
    assert not [f for f in findings if f.code.startswith("SQ")]


def test_truncated_windows_get_the_behaviours_bounds_back(moi_av_audit):
    batch, findings, _ = moi_av_audit
    proposals = {(f.file_id, tuple(f.evidence["window"])): f for f in findings if f.code == "MO001"}
    for record in (r for r in batch.truth if r["defect"] == "moi_truncated"):
        finding = proposals[(record["file_id"], tuple(record["details"]["annotated"]))]
        behaviour = record["details"]["behaviour"]
        assert finding.evidence["proposed"] == pytest.approx(behaviour, abs=0.25)
        assert finding.fix.applicability.value == "unsafe"
        assert all(op["path"].startswith("/annotations:1P-IS/0/") for op in finding.fix.operations)
        assert finding.evidence["curve"]["activity"] and finding.confidence > 0.5


def test_displaced_and_spurious_windows_carry_the_calm_curve(moi_av_audit):
    batch, findings, _ = moi_av_audit
    flagged = {(f.file_id, tuple(f.evidence["window"])): f for f in findings if f.code == "MO002"}
    for record in (r for r in batch.truth if r["defect"] in ("moi_displaced", "moi_spurious")):
        finding = flagged[(record["file_id"], tuple(record["details"]["annotated"]))]
        assert finding.evidence["annotation"] == record["details"]["annotation"]
        assert finding.evidence["peak_activity"] < 3.0


def test_a_clean_batch_has_no_moi_findings(clean_tar_batch, tmp_path):
    assert _audit(clean_tar_batch.root, clean_tar_batch.batch, tmp_path / "out") == []


@pytest.fixture(scope="module")
def malformed_batch(tmp_path_factory):
    batch = generate(tmp_path_factory.mktemp("malformed"), SynthConfig(sessions=1, interactions_per_session=1,
                                                                       duration=10.0, seed=4, defects="none"))
    path = sorted(batch.root.rglob("*.json"))[0]
    meta = json.loads(path.read_text())
    meta["annotations:1P-IS"] = "laughs at 3 s"
    meta["annotations:1P-R"] = [{"start": 1.0}, 7, {"start_ms": 2000, "end_ms": 3000}]
    meta["annotations:3P-V"] = [{"start_time": 5.0, "end_time": 4.0}]
    meta["annotations:3P-R"] = {"moments": [{"span": [1.0, 99.0]}]}
    path.write_text(json.dumps(meta))
    return batch, path.stem


def test_malformed_annotation_shapes_become_one_finding_not_a_crash(malformed_batch, tmp_path):
    batch, file_id = malformed_batch
    findings = _audit(batch.root, batch.batch, tmp_path / "out")
    assert not [f for f in findings if f.code.startswith("SQ")]
    (finding,) = [f for f in findings if f.code == "MO003"]
    problems = " | ".join(finding.evidence["problems"])
    assert finding.file_id == file_id and finding.evidence["count"] == 5
    for expected in ("annotations:1P-IS is str", "annotations:1P-R/0: start without", "annotations:1P-R/1 is int",
                     "ends before it starts", "lies outside the audio"):
        assert expected in problems


def test_mo001_fix_applies_and_reverts(moi_av_audit, tmp_path):
    batch, _, _ = moi_av_audit
    root = tmp_path / "root"
    shutil.copytree(batch.root, root)
    findings = _audit(root, batch.batch, tmp_path / "out", select=("MO001",))
    finding = findings[0]
    target = root / finding.fix.target
    before = target.read_bytes()
    runner = CliRunner()
    patches = str(tmp_path / "out" / "patches.jsonl")
    result = runner.invoke(app, ["apply", patches, "--root", str(root), "--in-place", "--select", "MO001"])
    assert result.exit_code == 0, result.output
    window = json.loads(target.read_text())["annotations:1P-IS"][0]
    assert [window["start"], window["end"]] == finding.evidence["proposed"]
    assert finding.file_id not in {f.file_id for f in _audit(root, batch.batch, tmp_path / "after", ("MO001",))}
    result = runner.invoke(app, ["revert", patches, "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == before
