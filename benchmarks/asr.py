"""The ASR cross-check's figures, measured in one run (`python -m benchmarks.asr`): off-by-one prompts and
prompt mismatches (precision, recall), transcript-vs-speech errors (F1) with the test model, ASR audio seconds
under the default budget as a share of all audio, the recall kept against full ASR (`--asr-budget 1.0`), and
ASR speed in x real time.

One synthetic batch is audited twice (TR and PR rules): with the rule set's default budget, and transcribing
every span. Both runs start from an empty cache, so every ASR second is counted."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from siqa.asr.cache import read_stats
from siqa.audit import AuditOptions, run_audit
from siqa.config import RuleSet
from siqa.outputs.files import CACHE_DIR, read_findings
from siqa.synth import SynthConfig, SynthResult, generate
from siqa.synth.scoring import Score, score

PROFILE = Path(__file__).with_name("profiles") / "asr.toml"
SIZES = {"small": (4, 10.0), "default": (12, 12.0), "large": (30, 15.0)}  # sessions of 4 interactions, seconds
TR, PR = {"TR001", "TR002", "TR003"}, {"PR001", "PR002"}


def _audit(batch: SynthResult, out: Path, asr: dict, jobs: int) -> tuple[list, dict, float, float]:
    started = time.perf_counter()
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=out, jobs=jobs, select=["TR", "PR"],
                                     asr=asr))
    return (list(read_findings(outcome.findings_path)), read_stats(out / CACHE_DIR), outcome.summary.audio_seconds,
            time.perf_counter() - started)


def _f1(s: Score) -> float:
    return 2 * s.precision * s.recall / (s.precision + s.recall) if s.precision + s.recall else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("asr_results.json"))
    args = parser.parse_args()
    sessions, duration = SIZES[args.size]
    settings = RuleSet.load("default").signal("asr")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        batch = generate(Path(tmp) / "root", SynthConfig(sessions=sessions, interactions_per_session=4,
                                                         duration=duration, seed=31, defects=str(PROFILE)))
        synth_seconds = time.perf_counter() - started
        triaged, triaged_stats, audio, triaged_seconds = _audit(batch, Path(tmp) / "triaged", {}, args.jobs)
        full, full_stats, _, full_seconds = _audit(batch, Path(tmp) / "full", {"budget": 1.0}, args.jobs)
    truth = batch.truth
    off_by_one, _, _ = score(triaged, truth, {"PR002"})
    mismatch, _, _ = score(triaged, truth, {"PR001"})
    transcript, missed, unexplained = score(triaged, truth, TR)
    kept = {name: score(triaged, truth, codes)[0].recall / max(score(full, truth, codes)[0].recall, 1e-9)
            for name, codes in (("tr", TR), ("tr_pr", TR | PR))}
    results = {
        "size": args.size, "interactions": batch.interactions, "audio_seconds": round(audio, 1),
        "defects": {d: sum(r["defect"] == d for r in truth) for d in sorted({r["defect"] for r in truth})},
        "off_by_one": {"precision": off_by_one.precision, "recall": off_by_one.recall},
        "prompt_mismatch": {"precision": mismatch.precision, "recall": mismatch.recall},
        "transcript": {"f1": round(_f1(transcript), 4), "precision": transcript.precision,
                       "recall": transcript.recall},
        "transcript_f1_full_asr": round(_f1(score(full, truth, TR)[0]), 4),
        "default_budget": settings["budget"],
        "asr_share_default_budget": round(triaged_stats["transcribed_seconds"] / audio, 4),
        "asr_share_full": round(full_stats["transcribed_seconds"] / audio, 4),
        "recall_kept_tr": round(kept["tr"], 4), "recall_kept_tr_pr": round(kept["tr_pr"], 4),
        "asr_x_real_time_per_worker": round(full_stats["transcribed_seconds"] / full_stats["compute_seconds"], 1),
        "asr_x_real_time_per_cpu_second": round(full_stats["transcribed_seconds"] / full_stats["cpu_seconds"], 1),
        "workers": args.jobs, "threads_per_worker": settings["cpu_threads"], "model": settings["model"],
        "seconds": {"synthesis": round(synth_seconds, 1), "audit_default_budget": round(triaged_seconds, 1),
                    "audit_full_asr": round(full_seconds, 1)},
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    for record in missed:
        print(f"  missed {record['defect']}: {record.get('file_id') or record.get('interaction_key')}")
    for finding in unexplained:
        print(f"  unexplained {finding.code}: {finding.message}")
    print(f"{batch.interactions} interactions, {audio:.0f} s of audio; injected: " +
          ", ".join(f"{d} {n}" for d, n in results["defects"].items()))
    print(f"off-by-one sessions (PR002): precision {off_by_one.precision:.3f}, recall {off_by_one.recall:.3f}")
    print(f"prompt mismatch (PR001): precision {mismatch.precision:.3f}, recall {mismatch.recall:.3f}")
    print(f"transcript vs speech (TR): F1 {results['transcript']['f1']:.3f} (precision {transcript.precision:.3f}, "
          f"recall {transcript.recall:.3f}); with full ASR F1 {results['transcript_f1_full_asr']:.3f}")
    print(f"ASR audio under the default budget ({settings['budget']}): {results['asr_share_default_budget']:.1%} "
          f"of all audio (full ASR: {results['asr_share_full']:.1%}); recall kept against full ASR: "
          f"TR {kept['tr']:.1%}, TR+PR {kept['tr_pr']:.1%}")
    print(f"ASR speed: {results['asr_x_real_time_per_worker']}x real time per worker ({args.jobs} workers, "
          f"{settings['cpu_threads']} thread(s) each, model {settings['model']}; load average "
          f"{results['load_average_1min']}), {results['asr_x_real_time_per_cpu_second']}x per CPU second")
    print("seconds: " + ", ".join(f"{k} {v}" for k, v in results["seconds"].items()))
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
