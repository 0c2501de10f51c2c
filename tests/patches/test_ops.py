"""RFC 6902: the RFC's own examples (Appendix A), pointer escaping, and agreement with the `jsonpatch` package
on random documents and patches."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siqa.patches.ops import PatchError, apply_patch, format_pointer, json_equal, parse_pointer
from tests.patches.strategies import documents, keys, patches

APPENDIX_A = [
    ("A.1", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"baz": "qux", "foo": "bar"}),
    ("A.2", {"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}],
     {"foo": ["bar", "qux", "baz"]}),
    ("A.3", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ("A.4", {"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    ("A.5", {"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}],
     {"baz": "boo", "foo": "bar"}),
    ("A.6", {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
     [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
     {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    ("A.7", {"foo": ["all", "grass", "cows", "eat"]}, [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
     {"foo": ["all", "cows", "eat", "grass"]}),
    ("A.8", {"baz": "qux", "foo": ["a", 2, "c"]},
     [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
     {"baz": "qux", "foo": ["a", 2, "c"]}),
    ("A.9", {"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], None),
    ("A.10", {"foo": "bar"}, [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
     {"foo": "bar", "child": {"grandchild": {}}}),
    ("A.11", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
     {"foo": "bar", "baz": "qux"}),
    ("A.12", {"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], None),
    ("A.14", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    ("A.15", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], None),
    ("A.16", {"foo": ["bar"]}, [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
     {"foo": ["bar", ["abc", "def"]]}),
]


@pytest.mark.parametrize("name, document, patch, expected", APPENDIX_A, ids=[case[0] for case in APPENDIX_A])
def test_rfc6902_appendix_a(name, document, patch, expected):
    before = copy.deepcopy(document)
    if expected is None:
        with pytest.raises(PatchError):
            apply_patch(document, patch)
    else:
        assert apply_patch(document, patch) == expected
    assert document == before  # never mutated, even when a patch fails halfway


@pytest.mark.parametrize("patch, message", [
    ([{"op": "frobnicate", "path": "/a"}], "unknown op"),
    ([{"op": "add", "path": "/a"}], "needs a 'value'"),
    ([{"op": "replace", "path": "a", "value": 1}], "must start with '/'"),
    ([{"op": "remove", "path": "/a~2"}], "not followed by 0 or 1"),
    ([{"op": "remove", "path": "/list/01"}], "not an array index"),
    ([{"op": "replace", "path": "/list/2", "value": 0}], "out of range"),
    ([{"op": "remove", "path": "/list/-"}], "not an array index"),
    ([{"op": "move", "from": "/obj", "path": "/obj/inner"}], "its own child"),
    ([{"op": "remove", "path": ""}], "whole document"),
    ([{"op": "copy", "path": "/b"}], "JSON pointer must be a string"),
    (["replace"], "must be a JSON object"),
])
def test_malformed_or_inapplicable_operations_are_refused_by_name(patch, message):
    with pytest.raises(PatchError, match=message) as error:
        apply_patch({"a": 1, "list": [1, 2], "obj": {}}, [{"op": "test", "path": "/a", "value": 1}, *patch])
    assert "operation 1" in str(error.value)


def test_replace_keeps_key_order_and_test_follows_rfc_equality():
    assert list(apply_patch({"a": 1, "b": 2, "c": 3}, [{"op": "replace", "path": "/a", "value": 0}])) == ["a", "b", "c"]
    assert json_equal(1, 1.0) and json_equal({"x": [1, {"y": 2}]}, {"x": [1.0, {"y": 2}]})
    assert not json_equal(True, 1) and not json_equal(0, False) and not json_equal("1", 1)
    assert not json_equal([1, 2], [2, 1]) and not json_equal({"a": 1}, {"a": 1, "b": 2})


@given(st.lists(keys, max_size=5))
def test_pointer_escaping_round_trips(tokens):
    assert parse_pointer(format_pointer(tokens)) == tuple(tokens)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_agrees_with_the_jsonpatch_package(data):
    jsonpatch = pytest.importorskip("jsonpatch")
    document = data.draw(documents)
    patch = data.draw(patches(document))
    before = copy.deepcopy(document)
    ours = apply_patch(document, patch)
    theirs = jsonpatch.apply_patch(document, patch)
    assert json.dumps(ours) == json.dumps(theirs)  # strict: types (true is not 1) and key order too
    assert document == before
