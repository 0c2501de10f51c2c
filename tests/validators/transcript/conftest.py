"""`transcript_audit`: every transcript and prompt defect in a small batch, audited once with the TR and PR rules,
the bundled ASR model and the default budget (ASR is the costly part, shared by the transcript tests).

The batch is the narrow generator's (`variation="none"`): these tests are about the rules' mechanics (each
injected defect found, nothing else, the budget, the cache, the skips). A batch this small has no calibration
sample, so TR001 judges against its absolute `fallback_high` (`test_tr001_floor` tests the floor; the clean
natural batch in `test_transcript_rules`, which the tiny model often mishears, raises nothing). Prompt rules
on natural talk are tested in `tests/validators/prompts` with a batch where prompts recur."""

from __future__ import annotations

import pytest

from siqa.synth import SynthConfig
from tests.conftest import synth_and_audit

PROFILE = 'affected = 0.5\nsession_affected = 0.34\nfamilies = ["TR", "PR"]\n'
CONFIG = SynthConfig(sessions=3, interactions_per_session=4, duration=10.0, seed=5, variation="none")


@pytest.fixture(scope="session")
def transcript_audit(tmp_path_factory):
    """(batch, findings, outcome) of the TR + PR audit."""
    return synth_and_audit(tmp_path_factory.mktemp("transcript"), PROFILE, CONFIG, ["TR", "PR"])
