"""Audio-video sync rules (`AV`): the face offset against the voice, and the MP4's frame count drifting."""

from __future__ import annotations

import pytest

from siqa.testing import CLEAN, Case, Spec, check
from tests.rules.conftest import SNAPSHOTS

DEFECTS = {"AV001": "av_offset", "AV002": "frame_drift"}
SPEC = Spec(defects=tuple(DEFECTS.values()), clean=2, interactions=4, seed=9, duration=12.0)
CASES = [
    *(Case(code, defect, defect, positive=True) for code, defect in DEFECTS.items()),
    *(Case(code, "clean", CLEAN, positive=False) for code in DEFECTS),
    Case("AV002", "drift_tolerated", "frame_drift", positive=False, settings={"max_drift_frames": 1000}),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case, batch):
    check(case, batch, SNAPSHOTS)
