"""A fix on a whole root table, rows addressed by key: split into row targets that apply together or not at all."""

from __future__ import annotations

import pytest

from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.model import FixStatus
from siqa.patches.ops import PatchError
from siqa.patches.rows import is_table, split_rows
from siqa.patches.write import build_records

TABLE = ("interaction_key,session_key,prompt\r\nK1,S1,first\r\nK2,S1,\"second, with a comma\"\r\n"
         "K3,S1,third\r\n")


def shift_fix(*moves: tuple[str, str, str]) -> Fix:
    ops = [op for key, old, new in moves for op in (
        {"op": "test", "path": f"/{key}/prompt", "value": old},
        {"op": "replace", "path": f"/{key}/prompt", "value": new})]
    return Fix(Applicability.UNSAFE, "interactions.csv", ops, "reassign prompts")


def test_only_a_whole_root_table_is_split():
    assert is_table("interactions.csv") and not is_table("interactions.csv#K1")
    assert not is_table("improvised/dev/0000/x.json") and not is_table("sub/interactions.csv")


def test_operations_are_routed_to_their_row_by_key():
    fix = shift_fix(("K1", "first", "second"), ("K2", "second", "third"))
    assert split_rows(fix.target, fix.operations) == [
        ("interactions.csv#K1", [{"op": "test", "path": "/prompt", "value": "first"},
                                 {"op": "replace", "path": "/prompt", "value": "second"}]),
        ("interactions.csv#K2", [{"op": "test", "path": "/prompt", "value": "second"},
                                 {"op": "replace", "path": "/prompt", "value": "third"}])]


@pytest.mark.parametrize("op, message", [
    ({"op": "remove", "path": "/K1/prompt"}, "only take test and replace"),
    ({"op": "replace", "path": "/K1", "value": {}}, "/<row key>/<column>"),
    ({"op": "replace", "path": "/K1/prompt/0", "value": "x"}, "/<row key>/<column>"),
])
def test_anything_but_a_column_value_is_refused(op, message):
    with pytest.raises(PatchError, match=message):
        split_rows("interactions.csv", [op])


def test_a_table_fix_is_one_fix_over_several_rows_and_fails_as_one(tmp_path):
    (tmp_path / "interactions.csv").write_text(TABLE, newline="")
    finding = Finding("PR002", Severity.WARNING, 0.9, Scope.SESSION, "V00", "shifted", session_key="S1",
                      fix=shift_fix(("K1", "first", "second, with a comma"),
                                    ("K2", "second, with a comma", "third")))
    records = build_records([finding], tmp_path)
    assert [r.target for r in records] == ["interactions.csv#K1", "interactions.csv#K2"]
    assert len({r.fixes[0].id for r in records}) == 1 and all(r.fixes[0].status is FixStatus.OK for r in records)
    stale = Finding("PR002", Severity.WARNING, 0.9, Scope.SESSION, "V00", "shifted", session_key="S1",
                    fix=shift_fix(("K1", "first", "x"), ("K3", "not what the row holds", "y")))
    assert {r.fixes[0].status for r in build_records([stale], tmp_path)} == {FixStatus.INVALID}
