"""A synthetic batch where prompts recur across sessions, as in a release: nine sessions of four 30 s
interactions over twelve scenarios (each prompt carried by about three interactions), natural talk (the
generator's default), two mismatched prompts and one off-by-one session, audited with the bundled ASR."""

from __future__ import annotations

import pytest

from siqa.synth import SynthConfig
from tests.conftest import synth_and_audit

PROFILE = 'affected = 0.06\nsession_affected = 0.12\nfamilies = ["PR"]\n'
CONFIG = SynthConfig(sessions=9, interactions_per_session=4, duration=30.0, seed=7)


@pytest.fixture(scope="session")
def prompt_audit(tmp_path_factory):
    """(batch, findings, outcome) of the PR audit."""
    return synth_and_audit(tmp_path_factory.mktemp("prompts"), PROFILE, CONFIG, ["PR"])
