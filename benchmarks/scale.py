"""Issue 11's figures, measured in one run (`python -m benchmarks.scale`): the audit against the read limit.

Speeds per core are CPU seconds of the one process doing the work (so other load on the machine does not skew
them); scaling is wall time, as a user waits for it.
1. read limit: the time to read only what the audit reads (decode every WAV, parse every JSON, read the NPZ keys
   the rules asked for and the MP4 headers), with nothing computed on it;
2. the full non-ASR audit of the same batch on one worker, decoding and NPZ reads included: its ratio to the read
   limit, x real time of participant audio per core, and per rule family;
3. scaling from 1 to N workers (wall time, speed-up, efficiency);
4. peak resident memory per worker, at two batch sizes, to show it does not grow with the batch.
Results go to benchmarks/scale_results.json so runs can be compared.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import cpu_seconds
from siqa.audit import AuditOptions, AuditOutcome, run_audit
from siqa.dataset.batch import open_batches
from siqa.dataset.errors import ReadError
from siqa.dataset.units import ParticipantFile
from siqa.engine.local import default_jobs
from siqa.synth import SynthConfig, generate

SIZES = {"small": (3, 15.0), "default": (8, 30.0), "large": (20, 60.0)}  # sessions of 4 interactions, seconds
NON_ASR = ["TR", "PR"]  # the ASR-backed families are benchmarked by benchmarks.asr


def _audit(batch, out: Path, jobs: int) -> tuple[AuditOutcome, float, float]:
    """The outcome, wall seconds, and CPU seconds of this process (the whole audit when jobs is 1: it runs here)."""
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=out, jobs=jobs, cache=False,
                                     ignore=NON_ASR))
    return outcome, time.perf_counter() - wall, time.process_time() - cpu


def _npz_keys_in_use(batch, out: Path) -> set[str]:
    """Run the audit once in this process and record which NPZ keys the rules asked for."""
    asked: set[str] = set()
    original = ParticipantFile.features

    def recording(self: ParticipantFile, *keys: str):
        asked.update(keys)
        return original(self, *keys)

    ParticipantFile.features = recording  # type: ignore[method-assign]
    try:
        _audit(batch, out, jobs=1)
    finally:
        ParticipantFile.features = original  # type: ignore[method-assign]
    return asked


def _read_only(batch, keys: set[str]) -> float:
    """Read every input the audit reads, as the audit reads it, and nothing else."""
    started = time.process_time()
    for index in open_batches(batch.root, batch.batch, None):
        for session in index.sessions:
            for interaction in session.interactions:
                for pf in interaction.participants:
                    for read in (pf.audio, pf.meta, lambda: pf.features(*keys), pf.video_info):
                        try:
                            read()
                        except ReadError:
                            pass
                interaction.release()
    return time.process_time() - started


def _speeds(outcome: AuditOutcome) -> dict[str, dict[str, float]]:
    """x real time per core of each rule family (its rules and own signals) and of each shared signal."""
    audio = outcome.summary.audio_seconds
    return {kind: {name: round(audio / spent, 1) for name, spent in sorted(seconds.items()) if spent > 0}
            for kind, seconds in zip(("families", "shared_signals"), cpu_seconds(outcome.summary.rule_seconds))}


def measure(size: str, workers: int, tmp: Path) -> dict[str, Any]:
    sessions, duration = SIZES[size]
    batch = generate(tmp / "root", SynthConfig(layout="tar", sessions=sessions, interactions_per_session=4,
                                               duration=duration, seed=5, defects="default"))
    keys = _npz_keys_in_use(batch, tmp / "warm")
    read_seconds = _read_only(batch, keys)
    one, one_wall, audit_seconds = _audit(batch, tmp / "one", jobs=1)
    audio = one.summary.audio_seconds
    scaling = {1: one_wall}
    for jobs in range(2, workers + 1):
        scaling[jobs] = _audit(batch, tmp / f"jobs{jobs}", jobs)[1]
    half = generate(tmp / "half", SynthConfig(layout="tar", sessions=max(1, sessions // 2),
                                              interactions_per_session=4, duration=duration, seed=5,
                                              defects="default"))
    small_peak = _audit(half, tmp / "half-out", jobs=2)[0].summary.peak_worker_rss_mb
    large_peak = _audit(batch, tmp / "peak", jobs=2)[0].summary.peak_worker_rss_mb
    return {
        "size": size, "interactions": batch.interactions, "audio_seconds": round(audio, 1),
        "npz_keys_read": sorted(keys),
        "read_limit_seconds": round(read_seconds, 2), "audit_seconds_one_worker": round(audit_seconds, 2),
        "audit_over_read_limit": round(audit_seconds / read_seconds, 2),
        "read_limit_x_real_time": round(audio / read_seconds, 1),
        "audit_x_real_time_per_core": round(audio / audit_seconds, 1),
        "x_real_time_per_core": _speeds(one),
        "scaling": {str(j): {"seconds": round(s, 2), "speedup": round(one_wall / s, 2),
                             "efficiency": round(one_wall / s / j, 2)} for j, s in scaling.items()},
        "peak_worker_rss_mb": {f"{max(1, sessions // 2)} sessions": round(small_peak, 1),
                               f"{sessions} sessions": round(large_peak, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--workers", type=int, default=default_jobs(), help="scale from 1 to this many workers")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("scale_results.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args.size, args.workers, Path(tmp))
    print(f"batch: {results['interactions']} interactions, {results['audio_seconds'] / 60:.1f} min of participant "
          f"audio (tar layout)")
    print(f"read limit (WAV decode, JSON, {len(results['npz_keys_read'])} NPZ keys, MP4 headers): "
          f"{results['read_limit_seconds']} s = {results['read_limit_x_real_time']}x real time")
    print(f"full non-ASR audit, 1 worker: {results['audit_seconds_one_worker']} s = "
          f"{results['audit_x_real_time_per_core']}x real time per core; "
          f"{results['audit_over_read_limit']}x the read limit")
    for kind, speeds in results["x_real_time_per_core"].items():
        print(f"  {kind.replace('_', ' ')}: " + ", ".join(f"{name} {ratio}x" for name, ratio in speeds.items()))
    for jobs, row in results["scaling"].items():
        print(f"workers {jobs}: {row['seconds']} s, speed-up {row['speedup']}x, efficiency {row['efficiency']}")
    print("peak memory per worker: " + ", ".join(f"{k}: {v} MB" for k, v in results["peak_worker_rss_mb"].items()))
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
