"""Audio-video rules on synthetic batches: injected offsets are found and measured within a frame, frame drift is
reported with its size, every judged file's offset is a metric, and a clean batch stays quiet."""

from __future__ import annotations

import pandas as pd

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import METRICS_PARQUET, read_findings
from siqa.synth.scoring import score

AV = {"AV001", "AV002"}


def test_each_av_defect_is_found_by_its_rule_and_nothing_else_fires(moi_av_audit):
    batch, findings, _ = moi_av_audit
    assert {"av_offset", "frame_drift"} <= {r["defect"] for r in batch.truth}
    _, missed, unexplained = score(findings, batch.truth, AV)
    assert missed == [] and unexplained == [], (missed, unexplained)


def test_offsets_are_measured_within_a_frame_with_their_direction(moi_av_audit):
    batch, findings, _ = moi_av_audit
    found = {f.file_id: f for f in findings if f.code == "AV001"}
    for record in (r for r in batch.truth if r["defect"] == "av_offset"):
        evidence = found[record["file_id"]].evidence
        assert abs(evidence["offset_frames"] - record["magnitude"]) < 1.0
        assert abs(evidence["offset_ms"] - record["details"]["offset_ms"]) < 34
        assert evidence["correlation"] > evidence["correlation_at_zero"]


def test_frame_drift_reports_the_extra_frames(moi_av_audit):
    batch, findings, _ = moi_av_audit
    found = {f.file_id: f for f in findings if f.code == "AV002"}
    for record in (r for r in batch.truth if r["defect"] == "frame_drift"):
        evidence = found[record["file_id"]].evidence
        assert abs(evidence["drift_frames"] - record["magnitude"]) <= 1.0
        assert abs(evidence["drift_ratio"] - record["details"]["ratio"]) < 0.003


def test_judged_files_have_an_offset_metric_near_zero_unless_injected(moi_av_audit):
    batch, _, outcome = moi_av_audit
    metrics = pd.read_parquet(outcome.out_dir / METRICS_PARQUET)
    offsets = metrics[metrics.metric == "av_offset_ms"].set_index("unit")["value"]
    shifted = {r["file_id"] for r in batch.truth if r["defect"] == "av_offset"}
    assert shifted <= set(offsets.index) and len(offsets) >= 0.75 * batch.files  # some say too little to judge
    assert (offsets.drop(list(shifted)).abs() < 10).all()


def test_a_clean_batch_has_no_av_findings(clean_tar_batch, tmp_path):
    outcome = run_audit(AuditOptions(batch=clean_tar_batch.batch, root=clean_tar_batch.root, out=tmp_path / "out",
                                     jobs=1, select=["AV"], cache=False))
    assert list(read_findings(outcome.findings_path)) == []
