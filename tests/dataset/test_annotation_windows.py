"""Moment-of-interest windows are found in every `annotations:*` shape the reader knows, with where their
numbers live (for fixes), and every shape it cannot read is a problem, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siqa.dataset.meta import Meta

READABLE = [
    ({"annotations:1P-IS": [{"start": 1, "end": 2.5, "label": "laughs"}]},
     [("1P-IS", 1.0, 2.5, "laughs", ("annotations:1P-IS", "0"), ("start", "end"), 1.0)]),
    ({"annotations:3P-V": [{"start_time": 1.5, "end_time": 3.0}]},
     [("3P-V", 1.5, 3.0, "", ("annotations:3P-V", "0"), ("start_time", "end_time"), 1.0)]),
    ({"annotations:1P-R": {"moments": [{"start_ms": 1500, "end_ms": 2500, "behavior": "nods"}]}},
     [("1P-R", 1.5, 2.5, "nods", ("annotations:1P-R", "moments", "0"), ("start_ms", "end_ms"), 0.001)]),
    ({"annotations:3P-R": [[1, 2], {"span": [3, 4.5]}]},
     [("3P-R", 1.0, 2.0, "", ("annotations:3P-R", "0"), ("0", "1"), 1.0),
      ("3P-R", 3.0, 4.5, "", ("annotations:3P-R", "1", "span"), ("0", "1"), 1.0)]),
    ({"annotations:3P-IS": {"onset": 0.5, "offset": 0.9}},
     [("3P-IS", 0.5, 0.9, "", ("annotations:3P-IS",), ("onset", "offset"), 1.0)]),
    ({"annotations:1P-IS": []}, []),
]


@pytest.mark.parametrize(("raw", "expected"), READABLE)
def test_windows_are_found_with_their_location(raw, expected):
    parsed = Meta(raw, "x.json").windows()
    assert parsed.problems == []
    assert [(w.annotation, w.start, w.end, w.label, w.path, w.keys, w.scale) for w in parsed.items] == expected


UNREADABLE = [
    ({"annotations:1P-IS": "laughs at 3 s"}, "annotations:1P-IS is str"),
    ({"annotations:1P-IS": None}, "annotations:1P-IS is NoneType"),
    ({"annotations:1P-R": [{"start": 1.0}]}, "annotations:1P-R/0: start without a numeric start/end pair"),
    ({"annotations:1P-R": [{"start": "1.0", "end": 2}]}, "annotations:1P-R/0: end, start without"),
    ({"annotations:1P-R": [7, {"start": 1, "end": 2}]}, "annotations:1P-R/0 is int"),
    ({"annotations:3P-V": {"note": "calm"}}, "annotations:3P-V: no start/end window found"),
    ({"annotations:9X": [{"start": 1, "end": 2}]}, "annotations:9X: unknown annotation type"),
]


@pytest.mark.parametrize(("raw", "problem"), UNREADABLE)
def test_unreadable_shapes_are_problems(raw, problem):
    parsed = Meta(raw, "x.json").windows()
    assert any(p.startswith(problem) for p in parsed.problems), parsed.problems


JSON = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["start", "end", "start_time", "end_time", "span", "x", "label"]), inner,
                        max_size=4), max_leaves=30)


@given(st.dictionaries(st.sampled_from(["annotations:1P-IS", "annotations:3P-V", "annotations:Z"]), JSON))
def test_any_json_gives_windows_or_problems_never_an_exception(raw):
    parsed = Meta(raw, "x.json").windows()
    assert all(isinstance(w.start, float) and isinstance(w.end, float) for w in parsed.items)
