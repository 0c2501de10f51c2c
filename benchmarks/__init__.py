"""Benchmarks that print measured figures (never asserted in tests): `python -m benchmarks` or `nox -s bench`."""

from pathlib import Path

from siqa.audit import AuditOptions, AuditOutcome, run_audit
from siqa.findings import Finding
from siqa.reports.outputs import read_findings
from siqa.synth import SynthConfig, SynthResult, generate


def audit_synthetic(work: Path, config: SynthConfig, select: list[str]) -> tuple[SynthResult, AuditOutcome,
                                                                                   list[Finding]]:
    """One synthetic batch made in `work` and audited there by one worker without the cache, so the rule timings
    are CPU time of one core: (batch, outcome, findings)."""
    batch = generate(work / "root", config)
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=work / "out", jobs=1, select=select,
                                     cache=False))
    return batch, outcome, list(read_findings(outcome.findings_path))
