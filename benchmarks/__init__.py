"""Benchmarks that print measured figures (never asserted in tests): `python -m benchmarks` or `nox -s bench`."""

import argparse
from collections import defaultdict
from pathlib import Path

from siqa.audit import AuditOptions, AuditOutcome, run_audit
from siqa.engine.task import SIGNAL_PREFIX
from siqa.findings import Finding
from siqa.outputs.files import read_findings
from siqa.synth import SynthConfig, SynthResult, generate


def audit_synthetic(work: Path, config: SynthConfig, select: list[str]) -> tuple[SynthResult, AuditOutcome,
                                                                                   list[Finding]]:
    """One synthetic batch made in `work` and audited there by one worker without the cache, so the rule timings
    are CPU time of one core: (batch, outcome, findings)."""
    batch = generate(work / "root", config)
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=work / "out", jobs=1, select=select,
                                     cache=False))
    return batch, outcome, list(read_findings(outcome.findings_path))


SIGNAL_FAMILY = {"bleed": "BL", "levels": "RQ", "behaviour": "MO", "mouth": "AV", "timing": "TS", "asr": "TR",
                 "prompt_match": "PR"}
"""Signals a family computes for itself (others may read them); the rest (the 16 kHz audio, the speech activity
and frame levels every family uses) are shared."""


def cpu_seconds(rule_seconds: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """CPU seconds per rule family (its rules and its own signals) and per shared signal, from an audit's
    `rule_seconds` (rules by code, signals as `signal:<name>`)."""
    families: dict[str, float] = defaultdict(float)
    shared: dict[str, float] = defaultdict(float)
    for key, seconds in rule_seconds.items():
        if key.startswith(SIGNAL_PREFIX):
            name = key[len(SIGNAL_PREFIX):]
            if name in SIGNAL_FAMILY:
                families[SIGNAL_FAMILY[name]] += seconds
            else:
                shared[name] += seconds
        else:
            families[key[:2]] += seconds
    return dict(families), dict(shared)


def speed(outcome: AuditOutcome, families: tuple[str, ...]) -> tuple[float, str]:
    """x real time per core of `families` together (their rules and own signals, on decoded audio), and a line
    giving each family's and each shared signal's speed."""
    audio = outcome.summary.audio_seconds
    spent, shared = cpu_seconds(outcome.summary.rule_seconds)
    together = sum(spent.get(f, 0.0) for f in families)
    parts = [f"{f} {audio / spent[f]:.0f}x" for f in families if spent.get(f)]
    parts += [f"shared {name} {audio / s:.0f}x" for name, s in sorted(shared.items()) if s > 0]
    return (round(audio / together, 1) if together else float("inf")), ", ".join(parts)


def batch_arguments(description: str, sessions: int, duration: float, results: str) -> argparse.Namespace:
    """`--sessions`, `--duration` and `--out` (benchmarks/<results> by default) of a one-batch benchmark."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sessions", type=int, default=sessions)
    parser.add_argument("--duration", type=float, default=duration)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(results))
    return parser.parse_args()
