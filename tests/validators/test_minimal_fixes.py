"""Fixes are the smallest operations (a word, a segment, a time), and applying them changes only those bytes.

One synthetic batch with echo words (BL002), a timing offset (TS001) and unsorted VAD segments (IN015), audited,
patched into a copy, and each written file compared with its original line by line."""

from __future__ import annotations

import difflib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from siqa.dataset.schema import TRANSCRIPT_KEY
from siqa.patches.apply import ApplyOptions, apply_patches
from siqa.patches.ops import parse_pointer
from siqa.patches.write import write_patches
from siqa.synth import SynthConfig
from siqa.synth.defects import CATALOGUE
from tests.conftest import synth_and_audit

CHOSEN = {"echo_words", "timing_offset", "segments_unsorted"}


@pytest.fixture(scope="module")
def patched(tmp_path_factory):
    """(findings with fixes, dataset root, folder of patched copies, dry-run diffs by target)."""
    folder = tmp_path_factory.mktemp("minimal")
    weights = "\n".join(f"{name} = {int(name in CHOSEN)}" for name, d in sorted(CATALOGUE.items())
                        if d.family in ("BL", "TS", "IN"))
    batch, findings, _ = synth_and_audit(
        folder, f'affected = 1.0\nfamilies = ["BL", "TS", "IN"]\n[weights]\n{weights}\n',
        SynthConfig(sessions=2, interactions_per_session=2, duration=10.0, seed=4), ["BL002", "TS001", "IN015"])
    fixed = [f for f in findings if f.fix is not None]
    write_patches(fixed, batch.root, folder / "out")
    patches = folder / "out" / "patches.jsonl"
    options = ApplyOptions(root=batch.root, out=folder / "patched", backup_dir=folder / "backup")
    dry = apply_patches(patches, replace(options, dry_run=True))
    report = apply_patches(patches, options)
    assert {f.fix.target for f in fixed} == set(report.written)
    diffs = {d.splitlines()[0].removeprefix("--- a/"): d for d in dry.diffs}
    return fixed, batch.root, folder / "patched", diffs


def _changed_lines(original: Path, written: Path) -> tuple[list[bytes], list[bytes]]:
    """The lines removed from and added to the original, by difflib on the bytes."""
    before, after = original.read_bytes().splitlines(), written.read_bytes().splitlines()
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += before[i1:i2]
            added += after[j1:j2]
    return removed, added


def _dry_lines(diff: str) -> list[str]:
    """The removed and added lines of a dry run's diff (its two header lines left out)."""
    return [line for line in diff.splitlines()[2:] if line[:1] in "+-"]


def _by_code(fixed, code):
    found = [f for f in fixed if f.code == code]
    assert found, f"no {code} finding with a fix"
    return found


def test_every_fix_changes_units_inside_the_lists_not_the_lists(patched):
    fixed, *_ = patched
    assert {f.code for f in fixed} == {"BL002", "TS001", "IN015"}
    for finding in fixed:
        assert all(len(parse_pointer(op["path"])) >= 2 for op in finding.fix.operations), finding.fix.operations


def test_a_timing_shift_replaces_each_time_and_changes_only_those_lines(patched):
    fixed, root, out, diffs = patched
    for finding in _by_code(fixed, "TS001"):
        operations = finding.fix.operations
        assert {op["op"] for op in operations} == {"replace"}
        assert {parse_pointer(op["path"])[-1] for op in operations} == {"start", "end"}
        removed, added = _changed_lines(root / finding.fix.target, out / finding.fix.target)
        assert len(removed) == len(added) == len(operations)
        assert all(line.strip().startswith((b'"start": ', b'"end": ')) for line in removed + added)
        assert len(_dry_lines(diffs[finding.fix.target])) == 2 * len(operations)  # the dry run shows those lines


def test_echo_words_are_removed_as_their_segment_and_nothing_else_changes(patched):
    fixed, root, out, diffs = patched
    for finding in _by_code(fixed, "BL002"):
        original = json.loads((root / finding.fix.target).read_bytes())
        (op,) = finding.fix.operations  # the echo words fill a segment of their own
        assert op["op"] == "remove"
        segment = original[TRANSCRIPT_KEY][int(parse_pointer(op["path"])[1])]
        assert [w["word"] for w in segment["words"]] == [w["word"] for w in finding.evidence["words"]]
        removed, added = _changed_lines(root / finding.fix.target, out / finding.fix.target)
        assert added == [] and len(removed) == len(json.dumps(segment, indent=1).splitlines())
        dry = _dry_lines(diffs[finding.fix.target])
        assert len(dry) == len(removed) and all(line.startswith("-") for line in dry)


def test_unsorted_segments_are_moved_whole_with_their_own_bytes(patched):
    fixed, root, out, _ = patched
    for finding in _by_code(fixed, "IN015"):
        assert {op["op"] for op in finding.fix.operations} == {"move"}
        removed, added = _changed_lines(root / finding.fix.target, out / finding.fix.target)
        assert removed and sorted(line.rstrip(b",") for line in removed) == sorted(line.rstrip(b",") for line in added)
