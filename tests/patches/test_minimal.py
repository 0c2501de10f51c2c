"""Minimal operations: they turn one value into the other, touch only the units that differ, and keep conflict
checking exact (fixes on different units do not conflict; a removal conflicts with anything after it)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from siqa.patches.conflicts import clash, footprint
from siqa.patches.minimal import operations, operations_between
from siqa.patches.ops import apply_patch, json_equal
from tests.patches.strategies import documents, patches

WORDS = [{"word": w, "start": i * 0.5, "end": i * 0.5 + 0.4}
         for i, w in enumerate(["the", "cat", "sat", "on", "a", "mat"])]
DOCUMENT = {"id": "x", "metadata:transcript": [
    {"start": 0.0, "end": 1.4, "transcript": "the cat sat", "words": WORDS[:3]},
    {"start": 1.5, "end": 2.9, "transcript": "on a mat", "words": WORDS[3:]},
    {"start": 3.0, "end": 3.4, "transcript": "echo", "words": [{"word": "echo", "start": 3.0, "end": 3.4}]}]}


@given(st.data())
def test_the_operations_turn_a_value_into_the_other(data):
    document = data.draw(documents, "document")
    after = apply_patch(document, data.draw(patches(document), "patch"))
    assert json_equal(apply_patch(document, operations_between(document, after)), after)
    assert operations_between(after, after) == []


def test_removed_words_and_an_emptied_segment_are_removed_one_by_one_from_the_highest_index_down():
    segments = DOCUMENT["metadata:transcript"]
    after = [{**segments[0], "transcript": "the sat", "words": [WORDS[0], WORDS[2]]}, segments[1]]
    ops = operations(DOCUMENT, "metadata:transcript", after)
    assert ops == [{"op": "remove", "path": "/metadata:transcript/2"},
                   {"op": "replace", "path": "/metadata:transcript/0/transcript", "value": "the sat"},
                   {"op": "remove", "path": "/metadata:transcript/0/words/1"}]
    words = [{"n": i} for i in range(8)]
    assert [op["path"] for op in operations_between(words, [w for w in words if w["n"] not in (1, 4, 6)])] \
        == ["/6", "/4", "/1"]


def test_a_time_that_changes_is_replaced_alone():
    after = [dict(s, start=s["start"] + 0.25) if i == 1 else s for i, s in enumerate(DOCUMENT["metadata:transcript"])]
    assert operations(DOCUMENT, "metadata:transcript", after) == [
        {"op": "replace", "path": "/metadata:transcript/1/start", "value": 1.75}]


def test_an_element_out_of_order_is_moved_and_a_new_member_added():
    assert operations_between([3, 1, 2, 4], [1, 2, 3, 4]) == [{"op": "move", "from": "/0", "path": "/2"}]
    assert operations_between([1, 2, 3, 4, 5], [5, 1, 2, 3, 4]) == [{"op": "move", "from": "/4", "path": "/0"}]
    assert operations({"id": "a"}, "metadata:vad", []) == [{"op": "add", "path": "/metadata:vad", "value": []}]


def test_a_segment_dropped_beside_a_changed_one_is_paired_by_its_members():
    before = [{"start": 1.0, "end": 2.0, "text": "a"}, {"start": 3.0, "end": 4.0, "text": "b"}]
    after = [{"start": 3.0, "end": 4.0, "text": "B"}]
    assert operations_between(before, after) == [{"op": "remove", "path": "/0"},
                                                  {"op": "replace", "path": "/0/text", "value": "B"}]


def test_fixes_on_different_units_do_not_conflict_and_a_removal_conflicts_with_what_follows_it():
    transcript = DOCUMENT["metadata:transcript"]
    shift_first = operations(DOCUMENT, "metadata:transcript", [dict(transcript[0], end=1.45), *transcript[1:]])
    fix_text = operations(DOCUMENT, "metadata:transcript", [transcript[0], dict(transcript[1], transcript="on the mat"),
                                                            transcript[2]])
    drop_echo = operations(DOCUMENT, "metadata:transcript", transcript[:2])
    touches = {name: footprint(DOCUMENT, ops)[0] for name, ops in
               (("shift", shift_first), ("text", fix_text), ("drop", drop_echo))}
    assert clash(touches["shift"], touches["text"]) is None
    assert clash(touches["drop"], touches["text"]) == "/metadata:transcript"
    assert clash(touches["drop"], touches["shift"]) == "/metadata:transcript"
