"""Timing rules (`TS`): annotated times against the speech, and interaction boundaries."""

from __future__ import annotations

import pytest

from siqa.testing import BATCH, CLEAN, Case, Spec, check
from tests.rules.conftest import SNAPSHOTS

DEFECTS = {"TS001": "timing_offset", "TS002": "start_too_late", "TS003": "start_too_early",
           "TS005": "transcript_without_speech"}
# natural lead-ins, tails and turns: the edge rules judge padding against what real edges look like
SPEC = Spec(defects=tuple(DEFECTS.values()), clean=2, interactions=3, seed=6, duration=14.0, variation="natural")
CASES = [
    *(Case(code, defect, defect, positive=True) for code, defect in DEFECTS.items()),
    *(Case(code, "clean", CLEAN, positive=False) for code in [*DEFECTS, "TS004"]),
    Case("TS001", "offset_tolerated", "timing_offset", positive=False, settings={"min_offset_ms": 5000.0}),
    # synthetic VAD agrees with the speech well, not perfectly: a near-perfect F1 demanded flags it
    Case("TS004", "strict_min_f1", CLEAN, positive=True, settings={"min_f1": 0.995}),
    # silence before the talk is TS003's; TS006 judges off-prompt talk at an edge
    Case("TS006", "silent_padding", "start_too_early", positive=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case, batch):
    check(case, batch, SNAPSHOTS)


def test_ts006_on_a_clean_batch(clean_batch):
    check(Case("TS006", "clean_batch", BATCH, positive=False), clean_batch, SNAPSHOTS)
