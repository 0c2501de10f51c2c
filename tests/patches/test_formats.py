"""Targets inside their files: JSON and JSONL keep their style, a patched CSV row leaves every other record's
bytes alone, and a rewritten tar keeps every other byte, member order and member metadata."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from siqa.dataset.tables import read_csv_text
from siqa.patches import rows, tars
from siqa.patches.documents import dump_json, dump_jsonl, load_json, load_jsonl
from siqa.patches.ops import PatchError
from tests.patches.conftest import tar_bytes
from tests.patches.strategies import STYLES, documents


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from(STYLES), st.sampled_from(["", "\n"]))
@example({"0": ["\x85\u2028"]}, {"ensure_ascii": False, "separators": (",", ":")}, "")  # line breaks to str.splitlines
def test_an_unchanged_json_document_is_written_back_byte_identical(document, style, ending):
    original = (json.dumps(document, **style) + ending).encode()
    assert dump_json(load_json(original, "x.json"), original) == original


def test_a_changed_json_document_keeps_the_original_style():
    original = (json.dumps({"id": "é", "vad": [1, 2]}, indent=1, ensure_ascii=False) + "\n").encode()
    changed = dump_json({"id": "ü", "vad": [1, 2, 3]}, original)
    assert changed == (json.dumps({"id": "ü", "vad": [1, 2, 3]}, indent=1, ensure_ascii=False) + "\n").encode()


@settings(max_examples=100, deadline=None)
@given(st.lists(documents, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n"]), st.booleans(),
       st.sampled_from(STYLES[:1] + STYLES[5:6]))
def test_an_unchanged_jsonl_document_is_written_back_byte_identical(lines, terminator, final, style):
    original = (terminator.join(json.dumps(line, **style) for line in lines) + (terminator if final else "")).encode()
    assert dump_jsonl(load_jsonl(original, "x.jsonl"), original) == original


def test_a_jsonl_document_must_stay_a_list():
    with pytest.raises(PatchError, match="list of lines"):
        dump_jsonl({"start": 1}, b'{"start": 0}\n')


TABLE = ('\ufeffinteraction_key,session_key,prompt\r\n'
         'K1,S1,"two\nlines, ""quoted"""\r\n'
         'K2,S1,plain\r\n'
         'K3,S1,last')


def test_a_patched_row_changes_only_its_own_record():
    table = rows.records(TABLE)
    assert "".join(r.text + r.terminator for r in table) == TABLE
    index = rows.find_row(table, "interaction_key", "K2")
    row = rows.row_document(table, index)
    assert row == {"interaction_key": "K2", "session_key": "S1", "prompt": "plain"}
    patched = rows.render_table(table, {index: rows.checked_row({**row, "prompt": 'new, "one"'}, row)})
    assert patched == TABLE.replace("K2,S1,plain", 'K2,S1,"new, ""one"""')
    assert rows.row_document(table, rows.find_row(table, "interaction_key", "K1"))["prompt"] == 'two\nlines, "quoted"'


def test_a_row_that_adds_a_column_extends_the_header_and_pads_every_other_record(tmp_path):
    table = rows.records(TABLE)
    index = rows.find_row(table, "interaction_key", "K3")
    row = rows.row_document(table, index)
    patched = rows.render_table(table, {index: rows.checked_row({**row, "boundary_end": "7.250"}, row)})
    assert patched == ('\ufeffinteraction_key,session_key,prompt,boundary_end\r\n'
                       'K1,S1,"two\nlines, ""quoted""",\r\n'
                       'K2,S1,plain,\r\n'
                       'K3,S1,last,7.250')
    (tmp_path / "interactions.csv").write_text(patched, newline="")
    frame = read_csv_text(tmp_path / "interactions.csv")
    assert list(frame["boundary_end"]) == ["", "", "7.250"] and frame["prompt"][0] == 'two\nlines, "quoted"'


@pytest.mark.parametrize("document, message", [
    ({"interaction_key": "K2", "session_key": "S1"}, "not remove or reorder"),
    ({"session_key": "S1", "interaction_key": "K2", "prompt": "p"}, "not remove or reorder"),
    ({"interaction_key": "K2", "session_key": "S1", "prompt": 3}, "strings"),
    ({"interaction_key": "K2", "session_key": "S1", "prompt": "p", " ": "x"}, "added column needs a name"),
])
def test_row_operations_may_not_remove_reorder_or_retype_columns(document, message):
    with pytest.raises(PatchError, match=message):
        rows.checked_row(document, {"interaction_key": "K2", "session_key": "S1", "prompt": "plain"})


def test_a_row_key_must_name_exactly_one_row():
    table = rows.records("k,v\nA,1\nA,2\nB,3\n")
    with pytest.raises(PatchError, match="in 2 rows"):
        rows.find_row(table, "k", "A")
    with pytest.raises(PatchError, match="in 0 rows"):
        rows.find_row(table, "k", "C")
    with pytest.raises(PatchError, match="no column 'key'"):
        rows.find_row(table, "key", "A")
    with pytest.raises(PatchError, match="unbalanced quote"):
        rows.records('k,v\nA,"open\n')


def _long_name_tar() -> bytes:
    """A PAX tar with a long member name and a pax mtime record, and the same name twice."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data, mtime in (("x" * 120 + ".wav", b"a" * 700, 1.5), ("doc.json", b'{"id": "old"}', 7),
                                  ("z.npz", b"z" * 513, 9), ("doc.json", b'{"id": "second"}', 8)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.uname = len(data), mtime, "vendor"
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("make", [lambda: tar_bytes([("a.wav", b"w" * 1000), ("doc.json", b'{"id": "old"}'),
                                                     ("b.npz", b"n" * 512)]), _long_name_tar],
                         ids=["ustar", "pax-long-names-duplicates"])
def test_a_rewritten_tar_differs_only_in_the_patched_member(tmp_path, make):
    path = tmp_path / "0000.tar"
    path.write_bytes(make())
    new_data = b'{"id": "a much longer new identifier than before"}'
    out = io.BytesIO()
    tars.rewrite(path, {"doc.json": new_data}, out)
    before, after = _members(path.read_bytes()), _members(out.getvalue())
    assert [m[0] for m in after] == [m[0] for m in before]  # same members, same order
    patched = [i for i, m in enumerate(before) if m[0] == "doc.json"][0]
    for i, (old, new) in enumerate(zip(before, after)):
        if i == patched:
            assert new[1] == new_data and new[2] == old[2]  # new data, same metadata
        else:
            assert new == old  # data and metadata alike
    original = path.read_bytes()
    member = tars.members(path, {"doc.json"})["doc.json"]
    assert out.getvalue()[: member.start] == original[: member.start]  # every byte before it, verbatim
    assert out.getvalue().endswith(original[-1024:])  # the end-of-archive blocks, verbatim
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0000.tar"]  # nothing extracted


def _members(data: bytes) -> list[tuple[str, bytes, tuple]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        return [(m.name, archive.extractfile(m).read(), (m.mtime, m.mode, m.uid, m.uname, m.type))
                for m in archive.getmembers()]


def test_a_missing_member_or_broken_tar_is_refused(tmp_path):
    path = tmp_path / "0000.tar"
    path.write_bytes(tar_bytes([("a.json", b"{}")]))
    with pytest.raises(PatchError, match="no member b.json"):
        tars.rewrite(path, {"b.json": b"{}"}, io.BytesIO())
    path.write_bytes(b"not a tar at all" * 64)
    with pytest.raises(PatchError, match="unreadable tar"):
        tars.members(path, {"a.json"})
