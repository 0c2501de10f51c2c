"""The MO and AV figures, measured in one run on a synthetic batch (`python -m benchmarks.moi`): precision and
recall of the moment-of-interest rules (truncated, displaced and spurious windows) and of the audio-video rules
(offsets of 2-10 frames, frame-count drift), the median error of the window boundaries MO001 proposes against
the true behaviour, the median error of the AV offsets in frames, and the MO + AV families' speed in x real
time per core."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import audit_synthetic, batch_arguments, speed
from siqa.findings import Finding
from siqa.synth import SynthConfig
from siqa.synth.scoring import score

PROFILE = Path(__file__).with_name("profiles") / "moi.toml"
FAMILIES = {"MO": {"MO001", "MO002", "MO003"}, "AV": {"AV001", "AV002"}}


def boundary_errors(findings: list[Finding], truth: list[dict[str, Any]]) -> list[float]:
    """|proposed - true| of every boundary a truncation moved, where MO001 proposed a window for it."""
    proposals = {(f.file_id, f.evidence["annotation"], tuple(f.evidence["window"])): f.evidence["proposed"]
                 for f in findings if f.code == "MO001"}
    errors = []
    for record in (r for r in truth if r["defect"] == "moi_truncated"):
        details = record["details"]
        proposed = proposals.get((record["file_id"], details["annotation"], tuple(details["annotated"])))
        if proposed is None:
            continue
        sides = {"start": [0], "end": [1], "both": [0, 1]}[details["cut"]]
        errors += [abs(proposed[i] - details["behaviour"][i]) for i in sides]
    return errors


def offset_errors(findings: list[Finding], truth: list[dict[str, Any]]) -> list[float]:
    found = {f.file_id: f.evidence["offset_frames"] for f in findings if f.code == "AV001"}
    return [abs(found[r["file_id"]] - r["magnitude"]) for r in truth
            if r["defect"] == "av_offset" and r["file_id"] in found]


def main() -> None:
    args = batch_arguments(__doc__, sessions=15, duration=30.0, results="moi_results.json")
    with tempfile.TemporaryDirectory() as tmp:
        batch, outcome, findings = audit_synthetic(
            Path(tmp), SynthConfig(sessions=args.sessions, interactions_per_session=4, duration=args.duration,
                                   seed=31, defects=str(PROFILE)), sorted(FAMILIES))
    truth = batch.truth
    results: dict[str, Any] = {"interactions": batch.interactions,
                               "injected": {d: sum(r["defect"] == d for r in truth) for d in sorted(
                                   {r["defect"] for r in truth})}}
    print(f"{batch.interactions} interactions; injected: "
          + ", ".join(f"{d} {n}" for d, n in results["injected"].items()))
    for family, codes in FAMILIES.items():
        result, missed, unexplained = score(findings, truth, codes)
        results[family] = {"precision": result.precision, "recall": result.recall,
                           "true_positives": result.true_positives, "false_negatives": result.false_negatives,
                           "false_positives": result.false_positives}
        print(f"{family}: precision {result.precision:.3f}, recall {result.recall:.3f} "
              f"({result.true_positives} found, {result.false_negatives} missed, {result.false_positives} unexplained)")
        for record in missed:
            print(f"  missed {record['defect']}: {record.get('file_id')} {record['details']}")
        for finding in unexplained:
            print(f"  unexplained {finding.code}: {finding.message}")
    boundaries, offsets = boundary_errors(findings, truth), offset_errors(findings, truth)
    results["median_boundary_error_seconds"] = float(np.median(boundaries)) if boundaries else None
    results["median_offset_error_frames"] = float(np.median(offsets)) if offsets else None
    results["mo_av_x_real_time_per_core"], speeds = speed(outcome, tuple(FAMILIES))
    print(f"MO001 proposed boundaries: median |error| {results['median_boundary_error_seconds']:.3f} s "
          f"({len(boundaries)} moved boundaries)")
    print(f"AV001 offsets: median |error| {results['median_offset_error_frames']:.3f} frames ({len(offsets)} found)")
    print(f"MO + AV families on decoded audio: {results['mo_av_x_real_time_per_core']}x real time per core ({speeds})")
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
