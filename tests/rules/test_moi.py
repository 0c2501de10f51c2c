"""Moments-of-interest rules (`MO`): windows that miss the behaviour, windows without it, unreadable windows."""

from __future__ import annotations

import json

import pytest

from siqa.testing import CLEAN, Case, Edit, Spec, check
from tests.rules.conftest import SNAPSHOTS


def _reversed_window(data: bytes) -> bytes:
    """The first `1P-IS` window ends before it starts."""
    meta = json.loads(data)
    window = meta["annotations:1P-IS"][0]
    window["start"], window["end"] = window["end"], window["start"]
    return json.dumps(meta).encode()


DEFECTS = {"MO001": "moi_truncated", "MO002": "moi_displaced"}
SPEC = Spec(defects=(*DEFECTS.values(), "moi_spurious"), edits=(Edit("reversed_window", _reversed_window, "json"),),
            clean=2, interactions=6, seed=8, duration=8.0)
CASES = [
    *(Case(code, defect, defect, positive=True) for code, defect in DEFECTS.items()),
    Case("MO002", "moi_spurious", "moi_spurious", positive=True),
    Case("MO003", "reversed_window", "reversed_window", positive=True),
    *(Case(code, "clean", CLEAN, positive=False) for code in ("MO001", "MO002", "MO003")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case, batch):
    check(case, batch, SNAPSHOTS)
