"""Speaker-bleed rules (`BL`): the partner loud in one's channel, echo words, swapped or duplicated channels."""

from __future__ import annotations

import pytest

from siqa.testing import CLEAN, Case, Spec, check
from tests.rules.conftest import SNAPSHOTS

DEFECTS = {"BL001": "high_bleed", "BL002": "echo_words", "BL003": "swapped_channels"}
SPEC = Spec(defects=(*DEFECTS.values(), "duplicated_channel"), clean=2, interactions=6, seed=7, duration=8.0)
CASES = [
    *(Case(code, defect, defect, positive=True) for code, defect in DEFECTS.items()),
    Case("BL003", "duplicated_channel", "duplicated_channel", positive=True),
    *(Case(code, "clean", CLEAN, positive=False) for code in DEFECTS),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case, batch):
    check(case, batch, SNAPSHOTS)
