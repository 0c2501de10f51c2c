"""Shared fixtures: synthetic batches made once per test session through `siqa.synth` (never downloaded)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from siqa.synth import SynthConfig, SynthResult, generate

# Property tests judge what siqa does with an input, not how fast hypothesis draws it or a shared CI core runs it:
# timing health checks and deadlines only make a loaded machine fail at random.
settings.register_profile("siqa", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("siqa")

ALL_IN_DEFECTS = Path(__file__).parent / "data" / "in_defects.toml"


@pytest.fixture(scope="session")
def integrity_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """Every integrity defect once (and nothing else), plus clean interactions around them."""
    root = tmp_path_factory.mktemp("integrity")
    return generate(root, SynthConfig(layout="extracted", sessions=8, interactions_per_session=4, duration=10.0,
                                      seed=11, defects=str(ALL_IN_DEFECTS)))


@pytest.fixture(scope="session")
def clean_tar_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    root = tmp_path_factory.mktemp("clean")
    return generate(root, SynthConfig(layout="tar", sessions=2, interactions_per_session=3, duration=8.0, seed=3,
                                      defects="none"))


def synth_and_audit(root: Path, profile: str, config: SynthConfig, select: list[str]):
    """Synthesise a batch with a defect profile given as TOML text, audit it, return (batch, findings, outcome)."""
    from siqa.audit import AuditOptions, run_audit
    from siqa.outputs.files import read_findings

    profile_path = root / "profile.toml"
    profile_path.write_text(profile)
    batch = generate(root / "data", SynthConfig(**{**config.__dict__, "defects": str(profile_path)}))
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=root / "out", jobs=2, select=select))
    return batch, list(read_findings(outcome.findings_path)), outcome


@pytest.fixture
def cli():
    """Run `siqa apply|revert ...` in process; returns click's Result (exit_code, stdout, stderr)."""
    from siqa.cli import apply as apply_command
    from siqa.cli import revert as revert_command

    app = typer.Typer(pretty_exceptions_enable=False)
    apply_command.register(app)
    revert_command.register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


FIXABLE_DEFECTS = ("segments_unsorted", "segments_overlapping", "wrong_metadata_id")


@pytest.fixture(scope="session")
def fixable_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A small batch whose every interaction has an integrity defect with a fix (so the audit writes patches),
    with natural variation around them (norms, skips)."""
    from siqa.synth.defects import CATALOGUE

    root = tmp_path_factory.mktemp("fixable")
    weights = "\n".join(f"{name} = {int(name in FIXABLE_DEFECTS)}" for name, d in CATALOGUE.items()
                        if d.family == "IN")
    (root / "profile.toml").write_text(f'affected = 1.0\nfamilies = ["IN"]\n[weights]\n{weights}\n')
    return generate(root / "data", SynthConfig(layout="extracted", sessions=2, interactions_per_session=2,
                                               duration=6.0, seed=5, defects=str(root / "profile.toml")))


@pytest.fixture(scope="session")
def cli_audited(fixable_batch: SynthResult, tmp_path_factory: pytest.TempPathFactory):
    """`siqa audit --format jsonl` of `fixable_batch`, as a user runs it (with its tables and dashboard):
    (output folder, stdout lines)."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("cli-audit")
    run = subprocess.run([sys.executable, "-m", "siqa", "audit", "--root", str(fixable_batch.root), "--batch",
                          fixable_batch.batch, "--out", str(out), "--format", "jsonl", "--fail-on", "never"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out, run.stdout.splitlines()
