"""Participant identity across batches of a synthetic release: people recur with the same voice and face, and
some are recorded under another person's id (id_shared) or a new id (id_split). Each batch is audited into one
output folder, so the second audit compares both batches; `siqa identity` does the same from the stores, and its
id-mapping fixes apply to `relationships.csv` and revert."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from siqa.audit import AuditOptions, run_audit
from siqa.cli.main import app
from siqa.identity.store import read_store
from siqa.outputs.files import read_findings
from siqa.synth import SynthConfig, generate
from siqa.synth.scoring import score

CODES = {"ID001", "ID002"}
PROFILE = "affected = 0.0\nsession_affected = 0.0\npeople_affected = 0.34\n"  # two people a batch


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """Two batches of seven one-interaction sessions among six recurring people, audited batch after batch."""
    tmp = tmp_path_factory.mktemp("identity")
    (tmp / "profile.toml").write_text(PROFILE)
    truth = []
    for batch in (0, 1):
        made = generate(
            tmp / "root",
            SynthConfig(
                batch=batch,
                sessions=8,
                interactions_per_session=1,
                duration=10.0,
                seed=21,
                people=6,
                defects=str(tmp / "profile.toml"),
            ),
        )
        truth += made.truth
    outcomes = [
        run_audit(
            AuditOptions(
                batch=f"dev/{b:04d}", root=tmp / "root", out=tmp / "out", jobs=2, select=["ID001", "ID002"]
            )
        )
        for b in (0, 1)
    ]
    return tmp, truth, outcomes


def _id_findings(path):
    return [f for f in read_findings(path) if f.code in CODES]


def _keys(path) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.session_key) for f in _id_findings(path))


def test_both_kinds_of_id_error_are_found_across_batches_and_nothing_else(release):
    _, truth, outcomes = release
    assert {r["defect"] for r in truth} == {"id_shared", "id_split"}
    findings = _id_findings(outcomes[-1].findings_path)
    _, missed, unexplained = score(findings, truth, CODES)
    assert missed == [] and unexplained == [], (missed, unexplained)
    person = {(r["session_key"], r["details"]["written_id"]): r["details"]["person"] for r in truth}
    for finding in findings:
        key = (finding.session_key, finding.evidence["participant_id"])
        assert (
            finding.evidence["proposed_id"] if finding.code == "ID001" else finding.evidence["same_person_as"]
        )
        assert all(f in finding.message for f in finding.evidence["files"])
        if finding.code == "ID002" or finding.evidence["matches_id"]:
            assert finding.fix.operations[-1]["value"] == person[key]  # the fix names the person recorded


def test_the_store_holds_every_batch_and_a_rerun_reuses_the_fingerprints(release):
    tmp, _, outcomes = release
    rows = read_store(tmp / "out")
    assert set(rows["batch"]) == {"improvised/dev/0000", "improvised/dev/0001"}
    assert len(rows) == sum(o.summary.files for o in outcomes)
    assert rows["visual"].notna().all() and rows["voice"].notna().mean() > 0.8
    rerun = run_audit(
        AuditOptions(batch="dev/0001", root=tmp / "root", out=tmp / "out", jobs=1, select=["ID001", "ID002"])
    )
    assert rerun.summary.rule_seconds.get("ID004", 0.0) == 0.0  # every fingerprint came from the cache
    again = read_store(tmp / "out")
    pd.testing.assert_frame_equal(rows, again)
    assert _keys(rerun.findings_path) == _keys(outcomes[-1].findings_path)


def test_siqa_identity_compares_the_stores_and_its_fixes_apply_and_revert(release, tmp_path):
    tmp, _, outcomes = release
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(tmp / "root" / "relationships.csv", root)
    shutil.copy(tmp / "root" / "participants.csv", root)
    runner = CliRunner()
    result = runner.invoke(
        app, ["identity", str(tmp / "out"), "--out", str(tmp_path / "id"), "--root", str(root)]
    )
    assert result.exit_code == 1, result.output  # errors found
    found = _id_findings(tmp_path / "id" / "findings.jsonl")
    assert _keys(tmp_path / "id" / "findings.jsonl") == _keys(outcomes[-1].findings_path)
    calibration = json.loads((tmp_path / "id" / "identity" / "calibration.json").read_text())
    assert calibration["calibrated"] and calibration["thresholds"]["release"]["threshold"] > 0
    id_map = pd.read_csv(tmp_path / "id" / "identity" / "id_map.csv")
    assert set(id_map["file_id"]) == {f for finding in found for f in finding.evidence["files"]}

    before = (root / "relationships.csv").read_bytes()
    patches = tmp_path / "id" / "patches.jsonl"
    applied = runner.invoke(
        app, ["apply", str(patches), "--root", str(root), "--in-place", "--only", "unsafe"]
    )
    assert applied.exit_code == 0, applied.output
    rows = pd.read_csv(root / "relationships.csv", dtype=str).set_index("session_key")
    for finding in found:
        assert finding.fix.operations[-1]["value"] in set(
            rows.loc[finding.session_key, ["participant_a", "participant_b"]]
        )
    reverted = runner.invoke(app, ["revert", str(patches), "--root", str(root)])
    assert reverted.exit_code == 0, reverted.output
    assert (root / "relationships.csv").read_bytes() == before
