"""Fixtures shared by validator families, each one synthetic batch audited once. `asr_audit`: every transcript
and prompt defect (TR and PR rules, the bundled ASR model, the default budget), shared by the transcript and
prompt tests: ASR is the costly part. `moi_av_audit`: every moment-of-interest and audio-video defect."""

from __future__ import annotations

import pytest

from siqa.synth import SynthConfig
from tests.conftest import synth_and_audit

PROFILE = 'affected = 0.5\nsession_affected = 0.34\nfamilies = ["TR", "PR"]\n'
CONFIG = SynthConfig(sessions=3, interactions_per_session=4, duration=10.0, seed=5)


@pytest.fixture(scope="session")
def asr_audit(tmp_path_factory):
    """(batch, findings, outcome) of the TR + PR audit."""
    return synth_and_audit(tmp_path_factory.mktemp("asr"), PROFILE, CONFIG, ["TR", "PR"])


@pytest.fixture(scope="session")
def moi_av_audit(tmp_path_factory: pytest.TempPathFactory):
    """Moment-of-interest and audio-video defects (every kind), audited with MO and AV only:
    (batch, findings, outcome)."""
    return synth_and_audit(tmp_path_factory.mktemp("moi_av"), 'affected = 0.85\nfamilies = ["MO", "AV"]\n',
                           SynthConfig(sessions=2, interactions_per_session=3, duration=20.0, seed=13), ["MO", "AV"])
