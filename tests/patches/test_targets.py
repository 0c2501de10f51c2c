"""What a target may name: the three target forms, paths that are refused, symlink escapes, and how the
per-modality layout routes a logical document's operations to its files."""

from __future__ import annotations

import os

import pytest

from siqa.patches.modality import split_fix
from siqa.patches.ops import PatchError
from siqa.patches.targets import TargetError, parse_target, resolve_inside


def test_the_three_target_forms():
    plain = parse_target("improvised/dev/0000/0000/V00_S0001_I00000001_P0001.json")
    assert (plain.file, plain.member, plain.row_key, plain.document) == (plain.text, None, None, "json")
    member = parse_target("improvised/dev/0000/0003.tar:V00_S0001_I00000001_P0001.json")
    assert (member.file, member.member, member.document) == (
        "improvised/dev/0000/0003.tar", "V00_S0001_I00000001_P0001.json", "json")
    row = parse_target("interactions.csv#V00_S0001_I00000001", key_column="interaction_key")
    assert (row.file, row.row_key, row.key_column, row.document) == (
        "interactions.csv", "V00_S0001_I00000001", "interaction_key", "row")
    assert parse_target("naturalistic/dev/metadata/vad/x.jsonl").document == "jsonl"


@pytest.mark.parametrize("text, message", [
    ("/etc/passwd.json", "absolute"),
    ("C:/x.json", "absolute"),
    ("a/../../etc/x.json", "not normalised"),
    ("a/./b.json", "not normalised"),
    ("a//b.json", "not normalised"),
    ("a\\b.json", "not a plain relative path"),
    ("a/b\x00.json", "not a plain relative path"),
    ("a/b.wav", "only .json and .jsonl"),
    ("a/0000.tar:../x.json", "a tar target"),
    ("a/0000.tar:dir/x.json", "a tar target"),
    ("a/0000.tar:x.wav", "a tar target"),
    ("../interactions.csv#K", "not normalised"),
    ("interactions.txt#K", "a row target"),
    ("interactions.csv#", "a row target"),
])
def test_unsafe_or_malformed_targets_are_refused(text, message):
    with pytest.raises(TargetError, match=message):
        parse_target(text, key_column="k")


def test_a_row_target_needs_its_key_column():
    with pytest.raises(TargetError, match="key column"):
        parse_target("interactions.csv#K")


def test_symlinks_are_refused_and_cannot_lead_outside_the_root(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "a").mkdir(parents=True)
    outside.mkdir()
    (outside / "x.json").write_text("{}")
    (root / "a" / "real.json").write_text("{}")
    os.symlink(outside, root / "escape")
    os.symlink(root / "a" / "real.json", root / "a" / "link.json")
    assert resolve_inside(root, "a/real.json") == root / "a" / "real.json"
    with pytest.raises(TargetError, match="outside"):
        resolve_inside(root, "escape/x.json")
    with pytest.raises(TargetError, match="symlink"):
        resolve_inside(root, "a/link.json")


VAD = "improvised/dev/metadata/vad/V00_S0001_I00000001_P0001.jsonl"


def test_modality_operations_go_to_the_file_holding_the_value():
    parts = split_fix(VAD, [
        {"op": "replace", "path": "/metadata:vad/3/end", "value": 2.0},
        {"op": "add", "path": "/annotations:3P-V/-", "value": {"start": 1, "end": 2}},
        {"op": "move", "from": "/metadata:vad/0", "path": "/metadata:vad/2"},
        {"op": "replace", "path": "/metadata:transcript", "value": []},
    ])
    assert parts == [
        (VAD, [{"op": "replace", "path": "/3/end", "value": 2.0}, {"op": "move", "from": "/0", "path": "/2"}]),
        ("improvised/dev/annotations/3P-V/V00_S0001_I00000001_P0001.json",
         [{"op": "add", "path": "/-", "value": {"start": 1, "end": 2}}]),
        ("improvised/dev/metadata/transcript/V00_S0001_I00000001_P0001.jsonl",
         [{"op": "replace", "path": "", "value": []}]),
    ]


def test_other_layouts_pass_unchanged():
    ops = [{"op": "replace", "path": "/id", "value": "x"}]
    for target in ("improvised/dev/0000/0000/V00_S0001_I00000001_P0001.json", "interactions.csv#K",
                   "improvised/dev/0000/0000.tar:V00_S0001_I00000001_P0001.json"):
        assert split_fix(target, ops) == [(target, ops)]


@pytest.mark.parametrize("op, message", [
    ({"op": "replace", "path": "/id", "value": "x"}, "no file of its own"),
    ({"op": "replace", "path": "", "value": {}}, "several files"),
    ({"op": "remove", "path": "/metadata:transcript"}, "would delete"),
    ({"op": "move", "from": "/metadata:vad/0", "path": "/metadata:transcript/0"}, "crosses files"),
    ({"op": "add", "path": "/annotations:..%2F/x", "value": 1}, "no file of its own"),
    ({"op": "add", "path": "/annotations:a~1b", "value": 1}, "no file of its own"),
])
def test_operations_no_modality_file_can_hold_are_refused(op, message):
    with pytest.raises(PatchError, match=message):
        split_fix(VAD, [op])
