"""Shared fixtures: synthetic batches made once per test session through `siqa.synth` (never downloaded)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siqa.synth import SynthConfig, SynthResult, generate

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
