"""Packing short spans into 30 s windows, and mapping the words back to their spans."""

from __future__ import annotations

import numpy as np
import pytest

from siqa.asr.backend import AsrWord
from siqa.asr.packing import GAP_SECONDS, RATE, WINDOW_SECONDS, pack


def clip(seconds: float, value: float = 0.1) -> np.ndarray:
    return np.full(int(seconds * RATE), value, np.float32)


def test_clips_fill_windows_in_order_and_never_overflow_one():
    packed = pack([clip(12), clip(12), clip(12), clip(3)])
    lengths = [round(w["end"] - w["start"], 3) for w in packed.windows]
    assert lengths == [2 * (12 + GAP_SECONDS), 12 + 3 + 2 * GAP_SECONDS]
    assert all(w["end"] - w["start"] <= WINDOW_SECONDS for w in packed.windows)
    assert packed.places[2] == (2 * (12 + GAP_SECONDS), 2 * (12 + GAP_SECONDS) + 12)
    assert len(packed.audio) == int(round(packed.windows[-1]["end"] * RATE))


def test_words_go_back_to_the_clip_they_fall_in_with_clip_relative_times():
    packed = pack([clip(2), clip(3)])
    second = packed.places[1][0]
    words = [AsrWord("a", 0.5, 0.9, 0.9), AsrWord("b", 2.1, 2.3, 0.8),  # b's middle is in the gap: first half
             AsrWord("c", second + 1.0, second + 1.4, 0.7), AsrWord("d", second + 2.8, second + 3.6, 0.6)]
    first, other = packed.unpack(words)
    assert [w.word for w in first] == ["a", "b"] and [w.word for w in other] == ["c", "d"]
    assert other[0].start == pytest.approx(1.0) and other[1].end == pytest.approx(3.0)  # clamped to the clip
    assert first[1].end == pytest.approx(2.0)


def test_a_clip_longer_than_a_window_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        pack([clip(WINDOW_SECONDS)])
