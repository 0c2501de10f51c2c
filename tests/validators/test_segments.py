"""Span logic of the segment rule (IN015) and its repair, as properties over random segment lists."""

from hypothesis import given
from hypothesis import strategies as st

from siqa.dataset.meta import Segment
from siqa.validators.integrity.in015_bad_segments import repaired, segment_problems

times = st.floats(-5, 60, allow_nan=False)
segment_lists = st.lists(st.tuples(times, times), max_size=12)


@given(segment_lists, st.floats(1, 60))
def test_repaired_segments_are_clean(pairs, duration):
    entries = [{"start": a, "end": b, "extra": i} for i, (a, b) in enumerate(pairs)]
    for merge in (False, True):
        fixed = repaired(entries, duration, merge)
        segments = [Segment(e["start"], e["end"]) for e in fixed]
        problems = segment_problems(segments, duration, 0.0)
        assert "negative_length" not in problems and "out_of_bounds" not in problems and "unsorted" not in problems
        if merge:
            assert problems == {}
        assert {e["extra"] for e in fixed} <= set(range(len(pairs)))


@given(segment_lists)
def test_sorted_non_overlapping_segments_have_no_problem(pairs):
    starts = sorted({round(abs(a), 3) for a, _ in pairs})
    segments = [Segment(s, s + 0.0005) for s in starts]
    assert segment_problems(segments, None, 0.0) == {}


def test_each_problem_is_named_with_its_index():
    segments = [Segment(0, 1), Segment(0.5, 2), Segment(3, 2.5), Segment(2, 9)]
    assert segment_problems(segments, 8.0, 0.02) == {"overlapping": [1], "negative_length": [2],
                                                     "out_of_bounds": [3], "unsorted": [3]}
