import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.timing import natural_curves
from siqa.config import RuleSet
from siqa.dataset.meta import Segment
from siqa.findings import Severity
from siqa.signals.activity import annotated_curve, spans
from siqa.signals.alignment import Alignment, align, confidence

RULES = RuleSet.load("default")
ALIGNMENT = RULES.signal("alignment")
TS001 = RULES.settings("TS001", Severity.ERROR)
MAX_LAG = int(ALIGNMENT["max_offset_seconds"] * 100)
SECONDS = 225.0  # a channel of the release


def reported(alignment: Alignment) -> bool:
    """TS001's decision with the default thresholds."""
    return (abs(alignment.offset_seconds * 1000) >= TS001.get("min_offset_ms")
            and confidence(alignment, ALIGNMENT) >= TS001.get("min_confidence"))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(-150, 150))
def test_align_recovers_a_known_shift_of_speech_like_activity(seed, shift):
    rng = np.random.default_rng(seed)
    runs = np.cumsum(rng.integers(20, 120, 40))  # alternating speech and pauses of 0.2-1.2 s
    acoustic = np.zeros(runs[-1] + 400, dtype=bool)
    for start, end in zip(runs[::2], runs[1::2]):
        acoustic[start:end] = True
    annotated = np.roll(acoustic, shift)
    result = align(annotated, acoustic, max_lag_frames=200)
    assert abs(result.offset_seconds * 100 - shift) < 0.6
    assert result.correlation > result.runner_up


@pytest.mark.parametrize("turns", [(2, 8), (2, 30)])
def test_offsets_among_natural_turns_are_reported_and_clean_files_are_not(turns):
    """Turns of 2-30 s with gaps of 0.2-2 s: offsets of 200-1000 ms found with precision and recall of at least
    0.95 (a report must get the offset within 50 ms), and no clean file reported."""
    rng = np.random.default_rng(11)
    truth = [0.0] * 20 + [float(rng.uniform(0.2, 1.0) * rng.choice((-1, 1))) for _ in range(40)]
    results = [align(*natural_curves(rng, SECONDS, offset, turns=turns), MAX_LAG) for offset in truth]
    report = np.array([reported(r) for r in results])
    right = report & (np.abs([r.offset_seconds - t for r, t in zip(results, truth)]) < 0.05)
    shifted = np.array(truth) != 0
    assert not report[~shifted].any()
    assert right[shifted].mean() >= 0.95 and right[report].mean() >= 0.95


def test_a_broad_peak_of_long_turns_does_not_count_against_itself():
    """The peak of turns up to 30 s is seconds wide: its shoulder 0.3 s away (the old exclusion) is nearly as
    high, yet the rival lies outside the lobe and the confidence is full."""
    annotated, acoustic = natural_curves(np.random.default_rng(5), SECONDS, 0.25)
    result = align(annotated, acoustic, MAX_LAG)
    assert result.peak_width_seconds > 2.0
    assert result.correlation - result.runner_up > ALIGNMENT["confident_margin"]
    assert confidence(result, ALIGNMENT) == 1.0


@pytest.mark.parametrize("period", [1.0, 1.5, 3.0, 6.0])
def test_periodic_turn_taking_is_ambiguous(period):
    """Turns of equal length: every period is an equally good alignment, inside the searched lags or not."""
    frames = np.arange(int(SECONDS * 100))
    acoustic = frames % int(period * 100) < int(period * 50)
    result = align(np.roll(acoustic, 30), acoustic, MAX_LAG)
    assert result.runner_up > 0.9 * result.correlation
    assert confidence(result, ALIGNMENT) < 0.25


def test_unrelated_or_speechless_curves_get_low_confidence():
    rng = np.random.default_rng(2)
    annotated = [natural_curves(rng, SECONDS)[0] for _ in range(10)]
    others = [natural_curves(rng, SECONDS)[1] for _ in range(10)]
    blips = np.zeros(int(SECONDS * 100), dtype=bool)
    for start in rng.integers(0, len(blips) - 20, 10):  # 1.5 s of false alarms, no speech
        blips[start:start + 15] = True
    confidences = [confidence(align(a, b, MAX_LAG), ALIGNMENT) for a, b in zip(annotated, [*others[1:], blips])]
    assert max(confidences) < TS001.get("min_confidence")


def test_a_maximum_on_the_edge_of_the_searched_lags_is_a_flank_not_an_offset():
    """A 3 s offset searched within 2 s: the best searched lag is the edge, rising beyond it."""
    annotated, acoustic = natural_curves(np.random.default_rng(8), SECONDS, 3.0)
    result = align(annotated, acoustic, MAX_LAG)
    assert result.offset_seconds == pytest.approx(MAX_LAG / 100)
    assert result.runner_up > result.correlation and confidence(result, ALIGNMENT) == 0.0


def test_curves_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="one length"):
        align(np.ones(100, dtype=bool), np.ones(90, dtype=bool), 10)


def test_annotated_curve_places_and_shifts_segments():
    curve = annotated_curve([Segment(0.10, 0.20), Segment(0.5, 0.45)], 100, shift=0.05)
    assert spans(curve, 1) == [(0.15, 0.25), (0.5, 0.55)]
