"""Issue 4's figures, measured in one run on a synthetic batch of 100+ interactions (`python -m benchmarks.timing`):
offset detection per magnitude bucket, offset error, boundary-error recall (per kind: cut speech, silent or
off-prompt edges), clean interactions flagged, and the TS family's speed in x real time per core on decoded audio."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from benchmarks import audit_synthetic, batch_arguments, cpu_seconds
from siqa.synth import SynthConfig
from siqa.synth.scoring import score

BUCKETS_MS = ((50, 100), (100, 200), (200, 500), (500, 1001))
PROFILE = Path(__file__).with_name("profiles") / "timing.toml"


def main() -> None:
    args = batch_arguments(__doc__, sessions=26, duration=20.0, results="timing_results.json")
    with tempfile.TemporaryDirectory() as tmp:
        batch, outcome, findings = audit_synthetic(
            Path(tmp), SynthConfig(sessions=args.sessions, interactions_per_session=4, duration=args.duration,
                                   seed=42, defects=str(PROFILE)), ["IN", "TS"])
        keys = _interaction_keys(batch)
    truth = batch.truth
    offsets = [r for r in truth if r["defect"] == "timing_offset"]
    ts001 = {f.file_id: f for f in findings if f.code == "TS001"}
    results: dict = {"interactions": batch.interactions, "buckets": []}
    print(f"{batch.interactions} interactions, {len(offsets)} injected offsets")
    print(f"{'offset bucket':>16} {'n':>4} {'recall':>7} {'median |error| ms':>18}")
    for low, high in BUCKETS_MS:
        chosen = [r for r in offsets if low <= abs(r["magnitude"]) < high]
        hits = [r for r in chosen if r["file_id"] in ts001]
        errors = [abs(ts001[r["file_id"]].evidence["offset_ms"] - r["magnitude"]) for r in hits]
        row = {"bucket_ms": [low, high], "n": len(chosen), "recall": len(hits) / len(chosen) if chosen else None,
               "median_abs_error_ms": float(np.median(errors)) if errors else None}
        results["buckets"].append(row)
        print(f"{f'{low}-{high} ms':>16} {len(chosen):>4} {row['recall'] or 0:>7.2f} "
              f"{row['median_abs_error_ms'] if errors else float('nan'):>18.1f}")
    big = [r for r in offsets if abs(r["magnitude"]) >= 200]
    big_files = {r["file_id"] for r in big}
    small_files = {r["file_id"] for r in offsets if abs(r["magnitude"]) < 200}
    reported = [f for f in ts001.values() if f.file_id not in small_files]
    results["offsets_200ms_plus"] = {
        "recall": sum(r["file_id"] in ts001 for r in big) / len(big),
        "precision": sum(f.file_id in big_files for f in reported) / len(reported) if reported else 1.0,
        "median_abs_error_ms": float(np.median([abs(ts001[r["file_id"]].evidence["offset_ms"] - r["magnitude"])
                                                for r in big if r["file_id"] in ts001]))}
    edges = [r for r in truth if r["defect"] != "timing_offset"]
    boundary, missed, _ = score(findings, edges, {"TS002", "TS003", "TS006"})
    results["boundary_recall"] = boundary.recall
    results["boundary_recall_by_kind"] = {}
    for kind in sorted({_edge_kind(r) for r in edges}):
        part, _, _ = score(findings, [r for r in edges if _edge_kind(r) == kind], {"TS002", "TS003", "TS006"})
        results["boundary_recall_by_kind"][kind] = {"n": part.true_positives + part.false_negatives,
                                                   "recall": part.recall}
    touched = {r["interaction_key"] for r in truth}
    clean = keys - touched
    flagged = {f.interaction_key for f in findings if f.family == "TS" and f.interaction_key in clean}
    results["clean_flagged_ratio"] = len(flagged) / len(clean) if clean else 0.0
    # the speech activity (webrtcvad and frame levels) is the TS family's work even though others share it; the
    # 16 kHz copy of the audio is decoding
    spent, shared = cpu_seconds(outcome.summary.rule_seconds)
    ts_seconds = spent.get("TS", 0.0) + sum(s for name, s in shared.items() if name != "audio16k")
    results["ts_x_real_time_per_core"] = round(outcome.summary.audio_seconds / ts_seconds, 1)
    o = results["offsets_200ms_plus"]
    print(f"offsets >= 200 ms: recall {o['recall']:.3f}, precision {o['precision']:.3f}, "
          f"median |error| {o['median_abs_error_ms']:.1f} ms")
    print(f"boundary errors (all >= 0.5 s): recall {boundary.recall:.3f} ({len(missed)} missed); by kind: "
          + ", ".join(f"{k} {v['recall']:.2f} (n={v['n']})" for k, v in results["boundary_recall_by_kind"].items()))
    print(f"clean interactions flagged by TS: {len(flagged)}/{len(clean)} = {results['clean_flagged_ratio']:.3f}")
    print(f"TS family on decoded audio (its rules and the speech activity): {results['ts_x_real_time_per_core']}x "
          "real time per core")
    args.out.write_text(json.dumps(results, indent=2) + "\n")


def _edge_kind(record: dict) -> str:
    """start_too_early and end_too_late come as silence or as off-prompt talk (TS003 and TS006 respectively)."""
    content = (record.get("details") or {}).get("content")
    return f"{record['defect']} ({content})" if content else record["defect"]


def _interaction_keys(batch) -> set[str]:
    import pandas as pd

    return set(pd.read_csv(batch.root / "interactions.csv", dtype=str)["interaction_key"])


if __name__ == "__main__":
    main()
