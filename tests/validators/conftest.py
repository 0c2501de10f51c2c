"""Fixtures shared by validator families, each one synthetic batch audited once. `moi_av_audit`: every
moment-of-interest and audio-video defect."""

from __future__ import annotations

import pytest

from siqa.synth import SynthConfig
from tests.conftest import synth_and_audit


@pytest.fixture(scope="session")
def moi_av_audit(tmp_path_factory: pytest.TempPathFactory):
    """Moment-of-interest and audio-video defects (every kind), audited with MO and AV only:
    (batch, findings, outcome)."""
    return synth_and_audit(tmp_path_factory.mktemp("moi_av"), 'affected = 0.85\nfamilies = ["MO", "AV"]\n',
                           SynthConfig(sessions=2, interactions_per_session=3, duration=20.0, seed=13), ["MO", "AV"])
