"""Participant identity figures, measured in one run (`python -m benchmarks.identity`).

1. Accuracy on a synthetic release: `--people` people recur over `--batches` batches with the same espeak
   voice and face identity; `id_shared` (someone under another person's id) and `id_split` (someone under a
   new id) are injected with ground truth. Every batch is audited (`--select ID`) into one output folder, so
   the identity store grows batch after batch and the last audit compares the whole release. Recall counts the
   errors of people with 3+ sessions, precision every ID001 (id_shared) and ID002 (id_split) finding; for the
   fused fingerprint, and for the voice and the face alone (the release-wide pass re-run on the stored
   fingerprints, no audio). `right_person` is the share of found errors whose fix names the right id.
2. Scale: `--scale-files` fingerprint rows drawn like the synthetic ones (no audio), compared end to end in a
   fresh process (store to findings): wall time and the process's peak resident memory.
Results go to benchmarks/identity_results.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from siqa.audit import AuditOptions, run_audit
from siqa.config import RuleSet
from siqa.dataset.tables import RootTables
from siqa.engine.local import default_jobs
from siqa.engine.task import peak_rss_mb
from siqa.findings import Finding
from siqa.identity.run import release_findings
from siqa.identity.store import read_store
from siqa.outputs.files import read_findings
from siqa.synth import SynthConfig, generate, ground_truth_path
from siqa.synth.fingerprints import draw_release

PROFILE = Path(__file__).with_name("profiles") / "identity.toml"
KINDS = {"id_shared": ("ID001", "matches_id"), "id_split": ("ID002", "same_person_as")}


def sessions_per_person(rows: pd.DataFrame, truth: list[dict[str, Any]]) -> Counter:
    """Sessions of each real person (an injected error's session counts for the person recorded there)."""
    wrong = {(r["session_key"], r["details"]["written_id"]): r["details"]["person"] for r in truth}
    seen = rows[["session_key", "participant_id"]].drop_duplicates().itertuples(index=False)
    return Counter(wrong.get((session, pid), pid) for session, pid in seen)


def as_seen(truth: list[dict[str, Any]], rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The errors as the release shows them: someone recorded under the id of a person who has no other session
    in the release (under that id) made that id theirs alone, a second id of theirs (ID002), not a split."""
    sessions_per_id = rows.groupby("participant_id")["session_key"].nunique()
    return [
        {**r, "defect": "id_split"}
        if r["defect"] == "id_shared" and sessions_per_id.get(r["details"]["written_id"], 0) <= 1
        else r
        for r in truth
    ]


def score(findings: list[Finding], truth: list[dict[str, Any]], sessions: Counter) -> dict[str, Any]:
    out = {}
    for kind, (code, named) in KINDS.items():
        records = {
            (r["session_key"], r["details"]["written_id"]): r["details"]["person"]
            for r in truth
            if r["defect"] == kind
        }
        eligible = {key: person for key, person in records.items() if sessions[person] >= 3}
        found = {(f.session_key, f.evidence["participant_id"]): f for f in findings if f.code == code}
        hits = [key for key in eligible if key in found]
        correct = [key for key in found if key in records]
        out[kind] = {
            "code": code,
            "injected": len(records),
            "people_3plus": len(eligible),
            "recall": round(len(hits) / len(eligible), 3) if eligible else None,
            "precision": round(len(correct) / len(found), 3) if found else None,
            "findings": len(found),
            "right_person": round(sum(found[k].evidence[named] == eligible[k] for k in hits) / len(hits), 3)
            if hits
            else None,
        }
    return out


def accuracy(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """A batch already synthesised in `work` (same options) is reused; the audits always start afresh."""
    root, out = work / "root", work / "out"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    truth: list[dict[str, Any]] = []
    for batch in range(args.batches):
        if not ground_truth_path(root, "improvised", f"dev/{batch:04d}").exists():
            config = SynthConfig(batch=batch, sessions=args.sessions, interactions_per_session=1,
                                 duration=args.duration, seed=args.seed, people=args.people,
                                 defects=str(PROFILE))
            generate(root, config, workers=args.jobs)
        made = ground_truth_path(root, "improvised", f"dev/{batch:04d}")  # its place depends on the layout made
        truth += [json.loads(line) for line in made.read_text().splitlines() if line.strip()]
    synthesis = time.perf_counter() - started
    audits = []
    for batch in range(args.batches):
        started = time.perf_counter()
        outcome = run_audit(
            AuditOptions(batch=f"dev/{batch:04d}", root=root, out=out, jobs=args.jobs, select=["ID"])
        )
        audits.append(round(time.perf_counter() - started, 1))
    rows = read_store(out)
    sessions = sessions_per_person(rows, truth)
    truth = as_seen(truth, rows)
    result: dict[str, Any] = {
        "people": len(sessions),
        "people_3plus_sessions": sum(n >= 3 for n in sessions.values()),
        "files": len(rows),
        "batches": args.batches,
        "synthesis_seconds": round(synthesis, 1),
        "audit_seconds_per_batch": audits,
        "audio_seconds_last_batch": round(outcome.summary.audio_seconds, 1),
        "fused": score(list(read_findings(outcome.findings_path)), truth, sessions),
    }
    result["fused"]["calibration"] = json.loads((out / "identity" / "calibration.json").read_text())[
        "thresholds"
    ]["release"]
    ruleset = RuleSet.load("default", ["ID"])
    for signal in ("voice", "visual"):
        started = time.perf_counter()
        only = ruleset.override_signal("identity", {"signals": [signal]})
        alone = release_findings(rows, only, RootTables.load(root), out / signal).findings
        report = json.loads((out / signal / "identity" / "calibration.json").read_text())
        result[f"{signal}_only"] = {
            **score(alone, truth, sessions),
            "pass_seconds": round(time.perf_counter() - started, 2),
            "calibration": (report.get("thresholds") or {}).get("release", report.get("reason")),
        }
    return result


def scale_run(files: int, seed: int) -> dict[str, Any]:
    """In a fresh process: draw the rows, then time store rows to findings; the process's peak memory."""
    drawn = draw_release(files, people=max(200, files // 25), seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        findings = release_findings(drawn.rows, RuleSet.load("default", ["ID"]), None, Path(tmp)).findings
        seconds = time.perf_counter() - started
        report = json.loads((Path(tmp) / "identity" / "calibration.json").read_text())
    sessions = sessions_per_person(drawn.rows, drawn.truth)
    truth = as_seen(drawn.truth, drawn.rows)
    return {
        "files": len(drawn.rows),
        "appearances": report["appearances"],
        "participant_ids": report["participant_ids"],
        "cross_pairs": report.get("cross_pairs"),
        "within_pairs": report.get("within_pairs"),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **score(findings, truth, sessions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=215, help="people in the release (a few may never be drawn)")
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=100, help="sessions per batch (one interaction each)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--scale-files", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="keep the synthetic release here and reuse it next time")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("identity_results.json"))
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if not args.skip_accuracy:
        with tempfile.TemporaryDirectory() as tmp:
            results["accuracy"] = accuracy(args, args.workdir or Path(tmp))
        acc = results["accuracy"]
        print(
            f"release: {acc['people']} people ({acc['people_3plus_sessions']} with 3+ sessions), "
            f"{acc['files']} files in {acc['batches']} batches; synthesis {acc['synthesis_seconds']} s, "
            f"audits {acc['audit_seconds_per_batch']} s"
        )
        for variant in ("fused", "voice_only", "visual_only"):
            for kind, figures in ((k, acc[variant][k]) for k in KINDS):
                print(
                    f"  {variant:12s} {kind} ({figures['code']}): recall {figures['recall']} precision "
                    f"{figures['precision']} right person {figures['right_person']} "
                    f"({figures['people_3plus']} of {figures['injected']} injected errors on people with 3+ "
                    f"sessions, {figures['findings']} findings)"
                )
    if not args.skip_scale:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            results["scale"] = scale = pool.submit(scale_run, args.scale_files, args.seed).result()
        print(
            f"scale: {scale['files']} files ({scale['appearances']} sessions x ids, "
            f"{scale['participant_ids']} ids) "
            f"compared in {scale['seconds']} s, peak memory {scale['peak_rss_mb']} MB; "
            + ", ".join(f"{k} recall {scale[k]['recall']} precision {scale[k]['precision']}" for k in KINDS)
        )
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
