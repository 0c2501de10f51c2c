"""Transcript rules (`TR`), with the bundled Whisper tiny model on the shared speech batch: slow (ASR)."""

from __future__ import annotations

import pytest

from siqa.testing import CLEAN, Case, check
from tests.rules.conftest import SNAPSHOTS

pytestmark = pytest.mark.slow  # Whisper over the batch: about 30 s with its synthesis

DEFECTS = {"TR001": "transcript_substitution", "TR002": "speech_without_transcript",
           "TR003": "transcript_without_speech"}
CASES = [
    *(Case(code, defect, defect, positive=True) for code, defect in DEFECTS.items()),
    Case("TR002", "transcript_deletion", "transcript_deletion", positive=True),
    *(Case(code, "clean", CLEAN, positive=False) for code in DEFECTS),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case, speech_batch):
    check(case, speech_batch, SNAPSHOTS)
