"""Issue 11's figures, measured in one run (`python -m benchmarks.scale`): the audit against the read limit.

Speeds per core are CPU seconds of the one process doing the work (so other load on the machine does not skew
them); scaling is wall time, as a user waits for it. Every time is the best of `--repeats` runs, as timeit
takes it: other tenants of a virtual machine only ever add to a time.
1. read limit: the time to read only what the audit reads (decode every WAV, parse every JSON, read the NPZ keys
   the rules asked for and the MP4 headers), with nothing computed on it;
2. the full non-ASR audit of the same batch on one worker, decoding and NPZ reads included: its ratio to the read
   limit, x real time of participant audio per core, and per rule family; and a first run with the result cache
   on, as `siqa audit` runs by default (it hashes every input and stores every result);
3. scaling from 1 to N workers: wall time, speed-up and efficiency, as a user waits for them, and the same for
   the work alone, without the fixed cost of an audit (starting the workers, whose imports take seconds, the
   index and the outputs), which is measured by auditing a one-interaction batch with as many workers; beside
   them, the machine's own speed-up on N copies of a pure-CPU loop, the most any program gets from its cores
   (virtual machines often deliver less than their core count), and the CPU seconds the rules spent over all
   workers against one worker's, beside the same ratio for the loop: what more workers cost in work, apart from
   what sharing the cores costs any program;
4. peak resident memory per worker, at two batch sizes, to show it does not grow with the batch.
Interactions last 225 s by default: the release's average (4,000 hours over 65,000 interactions). Costs a rule
pays once per file weigh more on shorter clips; `--seconds 30` measures those.
Results go to benchmarks/scale_results.json so runs can be compared.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import cpu_seconds
from siqa.audit import AuditOptions, AuditOutcome, run_audit
from siqa.dataset.batch import open_batches
from siqa.dataset.errors import ReadError
from siqa.dataset.layouts.blob import forget_digests
from siqa.dataset.units import ParticipantFile
from siqa.engine.local import default_jobs
from siqa.synth import SynthConfig, generate

SIZES = {"small": (3, 15.0), "default": (2, 225.0), "large": (16, 225.0)}  # sessions of 4 interactions, seconds
NON_ASR = ["TR", "PR"]  # the ASR-backed families are benchmarked by benchmarks.asr


def _audit(batch, out: Path, jobs: int, cache: bool = False) -> tuple[AuditOutcome, float, float]:
    """The outcome, wall seconds, and CPU seconds of this process (the whole audit when jobs is 1: it runs here)."""
    forget_digests()  # each file is hashed as in a first audit, not remembered from the one before
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=out, jobs=jobs, cache=cache,
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
                    for read in (pf.audio, pf.meta, partial(pf.features, *keys), pf.video_info):
                        try:
                            read()
                        except ReadError:
                            pass
                interaction.release()
    return time.process_time() - started


def _spin(_: int = 0) -> float:
    """A fixed amount of pure-Python CPU work, sharing nothing; returns the CPU seconds it took."""
    started, total = time.process_time(), 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


def _spin_seconds(jobs: int, repeats: int) -> tuple[float, float]:
    """Best wall time of `jobs` processes each running `_spin` once (the processes started beforehand), and the
    CPU seconds they took together."""
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_spin, range(jobs)))

        def once() -> tuple[float, float]:
            started = time.perf_counter()
            cpu = sum(pool.map(_spin, range(jobs)))
            return time.perf_counter() - started, cpu

        return min(once() for _ in range(repeats))


def _speeds(outcome: AuditOutcome) -> dict[str, dict[str, float]]:
    """x real time per core of each rule family (its rules and own signals) and of each shared signal."""
    audio = outcome.summary.audio_seconds
    return {kind: {name: round(audio / spent, 1) for name, spent in sorted(seconds.items()) if spent > 0}
            for kind, seconds in zip(("families", "shared_signals"), cpu_seconds(outcome.summary.rule_seconds))}


def _scaling_row(jobs: int, wall: float, fixed: float, cpu: float, one_wall: float, one_work: float, one_cpu: float,
                 spin_one: tuple[float, float], spin_jobs: tuple[float, float]) -> dict[str, float]:
    """One worker count's figures against one worker's (`one_*`) and the pure-CPU loop's (`spin_*`: wall, CPU)."""
    machine = jobs * spin_one[0] / spin_jobs[0]
    work = one_work / max(wall - fixed, 1e-9)
    return {"machine_speedup": round(machine, 2),
            "machine_cpu_over_one_process": round(spin_jobs[1] / (jobs * spin_one[1]), 2),
            "seconds": round(wall, 2), "speedup": round(one_wall / wall, 2),
            "efficiency": round(one_wall / wall / jobs, 2), "fixed_seconds": round(fixed, 2),
            "work_speedup": round(work, 2), "work_efficiency": round(work / jobs, 2),
            "work_speedup_of_machine": round(work / machine, 2),
            "work_cpu_seconds": round(cpu, 2), "work_cpu_over_one_worker": round(cpu / one_cpu, 2)}


def measure(size: str, workers: int, tmp: Path, seconds: float | None = None, repeats: int = 3) -> dict[str, Any]:
    sessions, duration = SIZES[size]
    duration = seconds or duration
    batch = generate(tmp / "root", SynthConfig(layout="tar", sessions=sessions, interactions_per_session=4,
                                               duration=duration, seed=5, defects="default"))
    keys = _npz_keys_in_use(batch, tmp / "warm")
    read_seconds = min(_read_only(batch, keys) for _ in range(repeats))
    runs = [_audit(batch, tmp / f"one{r}", jobs=1) for r in range(repeats)]
    one, _, audit_seconds = min(runs, key=lambda run: run[2])  # the run least slowed by other tenants
    one_wall = min(run[1] for run in runs)
    cached_seconds = min(_audit(batch, tmp / f"cached{r}", jobs=1, cache=True)[2] for r in range(repeats))
    audio = one.summary.audio_seconds
    tiny = generate(tmp / "tiny", SynthConfig(layout="tar", sessions=1, interactions_per_session=1, duration=6.0,
                                              seed=5, defects="none"))
    # The first pool of a process starts the engine's fork server (once per `siqa audit`): timed apart, so that
    # the fixed cost below is the same for the batch and the one-interaction audit.
    first_pool = _audit(tiny, tmp / "first-pool", 2)[1] if workers > 1 else 0.0
    scaling: dict[int, tuple[float, float, float]] = {}
    for jobs in range(1, workers + 1):
        fixed = min(_audit(tiny, tmp / f"fixed{jobs}-{r}", jobs)[1] for r in range(repeats))
        fastest = min(runs if jobs == 1 else [_audit(batch, tmp / f"jobs{jobs}-{r}", jobs) for r in range(repeats)],
                      key=lambda run: run[1])
        scaling[jobs] = (fastest[1], fixed, sum(fastest[0].summary.rule_seconds.values()))
    half = generate(tmp / "half", SynthConfig(layout="tar", sessions=max(1, sessions // 2),
                                              interactions_per_session=4, duration=duration, seed=5,
                                              defects="default"))
    small_peak = _audit(half, tmp / "half-out", jobs=2)[0].summary.peak_worker_rss_mb
    large_peak = _audit(batch, tmp / "peak", jobs=2)[0].summary.peak_worker_rss_mb
    one_work, one_cpu = one_wall - scaling[1][1], scaling[1][2]
    spin = {jobs: _spin_seconds(jobs, repeats) for jobs in scaling}
    return {
        "size": size, "interactions": batch.interactions, "interaction_seconds": duration,
        "audio_seconds": round(audio, 1), "npz_keys_read": sorted(keys),
        "read_limit_seconds": round(read_seconds, 2), "audit_seconds_one_worker": round(audit_seconds, 2),
        "audit_over_read_limit": round(audit_seconds / read_seconds, 2),
        "read_limit_x_real_time": round(audio / read_seconds, 1),
        "audit_x_real_time_per_core": round(audio / audit_seconds, 1),
        "first_cached_audit_x_real_time_per_core": round(audio / cached_seconds, 1),
        "x_real_time_per_core": _speeds(one),
        "repeats": repeats,
        "scaling": {str(j): _scaling_row(j, wall, fixed, cpu, one_wall, one_work, one_cpu, spin[1], spin[j])
                    for j, (wall, fixed, cpu) in scaling.items()},
        "fork_server_start_seconds": round(first_pool - scaling[2][1], 2) if workers > 1 else None,
        "peak_worker_rss_mb": {f"{max(1, sessions // 2)} sessions": round(small_peak, 1),
                               f"{sessions} sessions": round(large_peak, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--seconds", type=float, help="length of each interaction (default: the size's)")
    parser.add_argument("--workers", type=int, default=default_jobs(), help="scale from 1 to this many workers")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement; the best counts")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("scale_results.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args.size, args.workers, Path(tmp), args.seconds, max(1, args.repeats))
    print(f"batch: {results['interactions']} interactions of {results['interaction_seconds']:g} s, "
          f"{results['audio_seconds'] / 60:.1f} min of participant audio (tar layout)")
    print(f"read limit (WAV decode, JSON, {len(results['npz_keys_read'])} NPZ keys, MP4 headers): "
          f"{results['read_limit_seconds']} s = {results['read_limit_x_real_time']}x real time")
    print(f"full non-ASR audit, 1 worker: {results['audit_seconds_one_worker']} s = "
          f"{results['audit_x_real_time_per_core']}x real time per core; "
          f"{results['audit_over_read_limit']}x the read limit")
    print(f"  a first run with the result cache on (the default): "
          f"{results['first_cached_audit_x_real_time_per_core']}x real time per core")
    for kind, speeds in results["x_real_time_per_core"].items():
        print(f"  {kind.replace('_', ' ')}: " + ", ".join(f"{name} {ratio}x" for name, ratio in speeds.items()))
    for jobs, row in results["scaling"].items():
        print(f"workers {jobs}: {row['seconds']} s, speed-up {row['speedup']}x, efficiency {row['efficiency']}; "
              f"without the fixed {row['fixed_seconds']} s (worker start-up, index, outputs): speed-up "
              f"{row['work_speedup']}x, efficiency {row['work_efficiency']}; this machine's own speed-up on "
              f"{jobs} pure-CPU processes: {row['machine_speedup']}x, of which the audit's work gets "
              f"{row['work_speedup_of_machine']:.0%}; CPU seconds of the work over all workers: "
              f"{row['work_cpu_seconds']} ({row['work_cpu_over_one_worker']}x one worker's; the pure-CPU loop "
              f"takes {row['machine_cpu_over_one_process']}x its CPU seconds when {jobs} run at once)")
    print(f"(every time is the best of {results['repeats']} runs)")
    if results["fork_server_start_seconds"] is not None:
        print(f"fork server start (once per audit command, before its first pool): "
              f"{results['fork_server_start_seconds']} s")
    print("peak memory per worker: " + ", ".join(f"{k}: {v} MB" for k, v in results["peak_worker_rss_mb"].items()))
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
