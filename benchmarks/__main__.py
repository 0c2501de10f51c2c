"""Measure, in one run: synthesis time of the 20-interaction demo batch, and the audit's speed in x real time
of participant audio per core, overall and per rule family. Prints a table and writes benchmarks/results.json."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from benchmarks import batch_arguments, cpu_seconds
from siqa.audit import AuditOptions, run_audit
from siqa.synth import SynthConfig, generate


def main() -> None:
    args = batch_arguments(__doc__, sessions=5, duration=30.0, results="results.json")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        batch = generate(Path(tmp) / "root", SynthConfig(layout="tar", sessions=args.sessions,
                                                         interactions_per_session=4, duration=args.duration,
                                                         defects="default"))
        synth_seconds = time.perf_counter() - started
        started = time.perf_counter()
        outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=Path(tmp) / "out", jobs=1,
                                         cache=False))
        audit_seconds = time.perf_counter() - started
    audio = outcome.summary.audio_seconds
    families, shared = cpu_seconds(outcome.summary.rule_seconds)
    results = {
        "interactions": batch.interactions, "audio_seconds": round(audio, 1),
        "synth_seconds": round(synth_seconds, 2),
        "audit_seconds_one_core": round(audit_seconds, 2),
        "audit_x_real_time_per_core": round(audio / audit_seconds, 1),
        "family_x_real_time_per_core": {f: round(audio / s, 1) for f, s in sorted(families.items()) if s > 0},
        "shared_signal_x_real_time_per_core": {n: round(audio / s, 1) for n, s in sorted(shared.items()) if s > 0},
    }
    print(f"synth: {batch.interactions} interactions ({audio / 60:.1f} min of participant audio) in "
          f"{synth_seconds:.1f} s")
    print(f"audit, 1 core, decoding and NPZ reads included: {audit_seconds:.1f} s = "
          f"{results['audit_x_real_time_per_core']}x real time")
    for family, ratio in results["family_x_real_time_per_core"].items():
        print(f"  {family}: {ratio}x real time per core")
    for name, ratio in results["shared_signal_x_real_time_per_core"].items():
        print(f"  shared signal {name}: {ratio}x real time per core")
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
