"""Format-preserving writes: a patched JSON or JSONL text is the original with only the changed values spliced
in; what cannot be written exactly (a change inside an object with a repeated key, a non-finite number) is
refused by name, never rewritten approximately."""

from __future__ import annotations

import difflib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siqa.patches.documents import dump_json, dump_jsonl, load_json
from siqa.patches.minimal import operations
from siqa.patches.ops import PatchError, apply_patch, json_equal
from siqa.patches.splice import members
from siqa.patches.write import write_patches
from tests.patches.conftest import EXTRACTED, finding
from tests.patches.strategies import STYLES, documents, patches

# hand-written: exponent numbers, odd spacing, escapes, keys in no particular order
ORIGINAL = (b'{"zeta": 1E5, "id" : "V00\\u00e9",\n'
            b'  "metadata:transcript": [\n'
            b'    {"start": 0.50, "end": 1.0, "words": [{"word": "a", "start": 0.50}, {"word": "b", "start": 0.7}]},\n'
            b'    {"start": 2, "end": 3.0e0, "words": []}\n'
            b'  ],\n'
            b'  "alpha": [1, 2,3]\n'
            b'}\r\n')


def _changed(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    """(old bytes, new bytes) of every region difflib finds changed."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [(before[i1:i2], after[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


@given(st.data())
def test_the_written_text_is_the_patched_document_and_unchanged_members_keep_their_bytes(data):
    document = data.draw(documents, "document")
    original = json.dumps(document, **data.draw(st.sampled_from(STYLES), "style")).encode()
    after = apply_patch(document, data.draw(patches(document), "patch"))
    written = dump_json(after, original)
    assert json_equal(json.loads(written), after)
    if not isinstance(after, dict):
        return
    text, out = original.decode(), written.decode()
    kept = {m.key: text[m.head:m.end] for m in members(text, 0) if m.key in after and json_equal(document[m.key],
                                                                                                 after[m.key])}
    assert {m.key: out[m.head:m.end] for m in members(out, 0) if m.key in kept} == kept


def test_removing_a_word_changes_only_its_bytes_and_keeps_numbers_spacing_escapes_and_key_order():
    document = load_json(ORIGINAL, "x.json")
    ops = [{"op": "remove", "path": "/metadata:transcript/0/words/1"}]
    written = dump_json(apply_patch(document, ops), ORIGINAL)
    assert _changed(ORIGINAL, written) == [(b', {"word": "b", "start": 0.7}', b"")]


def test_a_changed_time_and_a_new_member_take_the_documents_style():
    document = load_json(ORIGINAL, "x.json")
    ops = [{"op": "replace", "path": "/metadata:transcript/1/start", "value": 2.25},
           {"op": "add", "path": "/metadata:transcript/1/words/-", "value": {"word": "c", "start": 2.25}},
           {"op": "add", "path": "/note", "value": "é"}]
    written = dump_json(apply_patch(document, ops), ORIGINAL)
    assert _changed(ORIGINAL, written) == [(b"", b".25"), (b"", b'{"word": "c", "start": 2.25}'),
                                           (b"", b',\n  "note": "\\u00e9"')]


def test_an_indented_document_gets_new_values_at_their_depth():
    original = (json.dumps({"id": "x", "vad": [{"start": 1, "end": 2}]}, indent=1) + "\n").encode()
    written = dump_json({"id": "x", "vad": [{"start": 1, "end": 2}, {"start": 3, "end": 4}]}, original)
    assert written == (json.dumps({"id": "x", "vad": [{"start": 1, "end": 2}, {"start": 3, "end": 4}]}, indent=1)
                       + "\n").encode()


def test_a_whole_list_replaced_by_a_key_sorted_copy_still_writes_only_the_change():
    """A fix written as one `replace` of the whole transcript (as older audits did, with the keys sorted by
    findings.jsonl) still writes only the words that changed."""
    original = (json.dumps({"id": "x", "metadata:transcript": [{"start": i, "end": i + 1, "transcript": f"w{i}"}
                                                                for i in range(30)]}, indent=1) + "\n").encode()
    document = load_json(original, "x.json")
    value = [json.loads(json.dumps(s, sort_keys=True)) for s in document["metadata:transcript"] if s["start"] != 7]
    written = dump_json(apply_patch(document, [{"op": "replace", "path": "/metadata:transcript", "value": value}]),
                        original)
    removed = [line for line in difflib.unified_diff(original.decode().splitlines(), written.decode().splitlines(),
                                                     lineterm="", n=0) if line[:1] == "-" and line[:3] != "---"]
    assert len(removed) == 5 and '"transcript": "w7"' in " ".join(removed)


def test_a_change_inside_an_object_with_a_repeated_key_is_refused_by_name():
    original = b'{"id": "a", "meta": {"k": 1, "k": 2}, "n": 1}'
    document = load_json(original, "x.json")
    with pytest.raises(PatchError, match=r"/meta repeats the key 'k'"):
        dump_json(apply_patch(document, [{"op": "replace", "path": "/meta/k", "value": 3}]), original)
    with pytest.raises(PatchError, match=r"\(document\) repeats"):
        dump_json(apply_patch(load_json(b'{"n": 1, "n": 2}', "x"), [{"op": "add", "path": "/m", "value": 0}]),
                  b'{"n": 1, "n": 2}')
    written = dump_json(apply_patch(document, [{"op": "replace", "path": "/n", "value": 2}]), original)
    assert written == b'{"id": "a", "meta": {"k": 1, "k": 2}, "n": 2}'  # untouched: both kept as they were


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), json.loads("1e999"),
                                   [1, {"x": float("nan")}]])
def test_a_non_finite_number_is_never_written(value):
    with pytest.raises(PatchError, match="/id/0|/id: a non-finite number|/id/1/x"):
        dump_json({"id": [value]} if isinstance(value, float) else {"id": value}, b'{"id": "x"}')
    assert dump_json({"id": "y", "n": float("nan")}, b'{"id": "x", "n": NaN}') == b'{"id": "y", "n": NaN}'


@pytest.mark.parametrize("spelling", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_patches_file_with_a_non_finite_value_writes_nothing_of_it(cli, dataset, tmp_path, spelling):
    write_patches([finding("XX001", EXTRACTED, [{"op": "replace", "path": "/id", "value": "placeholder"}])],
                  dataset, tmp_path / "out")
    patches = tmp_path / "out" / "patches.jsonl"
    patches.write_text(patches.read_text().replace('"placeholder"', spelling))
    result = cli("apply", patches, "--root", dataset, "--out", tmp_path / "patched")
    assert result.exit_code in (1, 2) and "Traceback" not in result.stderr
    assert not (tmp_path / "patched" / EXTRACTED).exists()


def test_jsonl_keeps_its_line_endings_and_missing_final_newline():
    original = b'{"start": 1, "end": 2}\r\n{"start": 3,"end": 4}\r\n{"start": 5, "end": 6}'
    lines = [json.loads(line) for line in original.splitlines()]
    assert dump_jsonl([lines[0], lines[2]], original) == b'{"start": 1, "end": 2}\r\n{"start": 5, "end": 6}'
    assert dump_jsonl([*lines, {"start": 7, "end": 8}], original) == original + b'\r\n{"start": 7, "end": 8}'
    assert dump_jsonl([{**lines[1], "end": 4.5}], original) == b'{"start": 3,"end": 4.5}'  # still no final newline
    assert dump_jsonl([{"start": 0}], b"") == b'{"start": 0}\n'
    assert dump_jsonl([], b'{"start": 0}\n') == b""


def test_operations_spliced_into_a_transcript_touch_only_the_words_they_name():
    original = (json.dumps({"metadata:transcript": [{"start": 0, "words": [{"w": "a"}, {"w": "b"}, {"w": "c"}]}]},
                           indent=2) + "\n").encode()
    document = load_json(original, "x.json")
    after = [{"start": 0, "words": [{"w": "a"}, {"w": "c"}]}]
    written = dump_json(apply_patch(document, operations(document, "metadata:transcript", after)), original)
    ((removed, added),) = _changed(original, written)  # difflib may see the same bytes shifted along the text
    assert added == b"" and len(removed) == len(b'{\n          "w": "b"\n        },\n        ')
