"""Prompt rules (`PR`) on the shared speech batch (PR001 and PR002 compare the talk with ASR): slow."""

from __future__ import annotations

import pytest

from siqa.testing import CLEAN, Case, check
from tests.rules.conftest import SNAPSHOTS

pytestmark = pytest.mark.slow  # Whisper over the batch: about 30 s with its synthesis

# twelve interactions are too few for PR001's release norm (20 values): the fixture judges with 4
SMALL_NORM = {"min_units": 4}
CASES = [
    Case("PR001", "prompt_mismatch", "prompt_mismatch", positive=True, settings=SMALL_NORM),
    Case("PR001", "clean", CLEAN, positive=False, settings=SMALL_NORM),
    Case("PR002", "prompt_off_by_one", "prompt_off_by_one", positive=True),
    Case("PR002", "clean", CLEAN, positive=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case, speech_batch):
    check(case, speech_batch, SNAPSHOTS)
