import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from siqa.dataset.meta import Segment
from siqa.signals.activity import annotated_curve, spans
from siqa.validators.timing.alignment import align


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(-150, 150))
def test_align_recovers_a_known_shift_of_speech_like_activity(seed, shift):
    rng = np.random.default_rng(seed)
    runs = np.cumsum(rng.integers(20, 120, 40))  # alternating speech and pauses of 0.2-1.2 s
    acoustic = np.zeros(runs[-1] + 400, dtype=bool)
    for start, end in zip(runs[::2], runs[1::2]):
        acoustic[start:end] = True
    annotated = np.roll(acoustic, shift)
    result = align(annotated, acoustic, max_lag_frames=200, exclusion_frames=30)
    assert abs(result.offset_seconds * 100 - shift) < 0.6
    assert result.correlation > result.runner_up


def test_annotated_curve_places_and_shifts_segments():
    curve = annotated_curve([Segment(0.10, 0.20), Segment(0.5, 0.45)], 100, shift=0.05)
    assert spans(curve, 1) == [(0.15, 0.25), (0.5, 0.55)]
