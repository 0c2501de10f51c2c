"""`siqa apply` and `siqa revert` as users run them, on real files of all three layouts and the root tables."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile

import pytest

from siqa.findings import Applicability
from siqa.patches.backup import MANIFEST
from siqa.patches.model import read_patches
from siqa.patches.write import write_patches
from tests.patches.conftest import (
    ANNOTATION,
    EXTRACTED,
    EXTRACTED2,
    FID,
    INTERACTIONS,
    SORTED,
    TAR,
    TRANSCRIPT,
    VAD,
    finding,
    snapshot,
    standard_findings,
)

CHANGED = sorted([EXTRACTED, TAR, VAD, TRANSCRIPT, ANNOTATION, INTERACTIONS])


@pytest.fixture
def patches(dataset, tmp_path):
    write_patches(standard_findings(), dataset, tmp_path / "audit")
    return tmp_path / "audit" / "patches.jsonl"


def _tar_member(path, name):
    with tarfile.open(path) as archive:
        return archive.extractfile(name).read()


def _check_patched(folder):
    """Every fix of standard_findings() is in the files under `folder`."""
    extracted = json.loads((folder / EXTRACTED).read_text())
    assert extracted["id"] == FID and extracted["metadata:vad"] == SORTED
    assert (folder / EXTRACTED).read_text().startswith('{\n "id"')  # still indent=1, like the original
    assert json.loads(_tar_member(folder / TAR, f"{FID}.json"))["id"] == FID
    assert [json.loads(line) for line in (folder / VAD).read_text().splitlines()] == SORTED
    assert json.loads((folder / TRANSCRIPT).read_text())["transcript"] == "héllo"
    assert json.loads((folder / ANNOTATION).read_text())[0]["end_time"] == 2.5
    table = (folder / INTERACTIONS).read_bytes()
    assert table.endswith(b'V00_S0001_I00000002,V00_S0001,"Talk about ""food"", then, travel"\r\n')
    assert table.startswith(b'interaction_key,session_key,prompt\r\nV00_S0001_I00000001,V00_S0001,"Plan a trip, then\n')


def test_apply_writes_corrected_copies_and_leaves_the_root_alone(cli, dataset, patches):
    before = snapshot(dataset)
    result = cli("apply", patches, "--root", dataset)
    assert result.exit_code == 0, result.stderr
    out = patches.parent / "patched"
    assert sorted(snapshot(out)) == CHANGED
    _check_patched(out)
    assert snapshot(dataset) == before
    with tarfile.open(out / TAR) as new, tarfile.open(dataset / TAR) as old:  # a new tar, other members as they were
        assert new.getnames() == old.getnames()
        for name in new.getnames():
            if name != f"{FID}.json":
                assert new.extractfile(name).read() == old.extractfile(name).read()


def test_apply_in_place_then_revert_restores_the_exact_bytes(cli, dataset, patches):
    before = snapshot(dataset)
    result = cli("apply", patches, "--root", dataset, "--in-place")
    assert result.exit_code == 0, result.stderr
    _check_patched(dataset)
    assert sorted(k for k in snapshot(dataset) if snapshot(dataset)[k] != before[k]) == CHANGED
    assert set(snapshot(dataset)) == set(before)  # nothing added to the dataset root
    manifest = json.loads((patches.parent / "backup" / MANIFEST).read_text())["files"]
    assert sorted(manifest) == CHANGED
    for name, entry in manifest.items():
        original = entry["original_sha256"]
        ((patched, state),) = entry["states"].items()
        assert state["base"] == original != patched == hashlib.sha256((dataset / name).read_bytes()).hexdigest()
        assert (patches.parent / "backup" / entry["backups"][original][0]).read_bytes() == before[name]
    result = cli("revert", patches, "--root", dataset)
    assert result.exit_code == 0, result.stderr
    assert snapshot(dataset) == before
    assert cli("revert", patches, "--root", dataset).exit_code == 0  # reverting again: already original
    assert "already original" in cli("revert", patches, "--root", dataset).stderr


@pytest.mark.parametrize("mode", [[], ["--in-place"]], ids=["copy", "in-place"])
def test_a_second_apply_is_a_no_op(cli, dataset, patches, mode):
    assert cli("apply", patches, "--root", dataset, *mode).exit_code == 0
    folder = dataset if mode else patches.parent / "patched"
    stamps = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    content = snapshot(folder)
    second = cli("apply", patches, "--root", dataset, *mode)
    assert second.exit_code == 0, second.stderr
    assert "already applied" in second.stderr and "wrote" not in second.stderr
    assert snapshot(folder) == content
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == stamps


def test_only_and_select_choose_fixes_and_in_place_runs_add_up(cli, dataset, patches, tmp_path):
    pristine = tmp_path / "pristine"
    shutil.copytree(dataset, pristine)
    assert cli("apply", patches, "--root", dataset, "--in-place", "--only", "safe").exit_code == 0
    assert json.loads((dataset / EXTRACTED).read_text())["metadata:vad"] != SORTED  # the unsafe fix waits
    assert json.loads((dataset / EXTRACTED).read_text())["id"] == FID
    assert json.loads((dataset / ANNOTATION).read_text())[0]["end_time"] == 2.0
    result = cli("apply", patches, "--root", dataset, "--in-place", "--only", "unsafe")
    assert result.exit_code == 0, result.stderr
    _check_patched(dataset)
    all_at_once = tmp_path / "all"
    assert cli("apply", patches, "--root", pristine, "--out", all_at_once).exit_code == 0
    for name in CHANGED:  # the same bytes as one run with every fix
        assert (all_at_once / name).read_bytes() == (dataset / name).read_bytes(), name
    assert cli("apply", patches, "--root", dataset, "--out", tmp_path / "again").exit_code == 1  # root is patched
    assert cli("revert", patches, "--root", dataset).exit_code == 0
    assert snapshot(dataset) == snapshot(pristine)


def test_a_file_patched_then_audited_again_takes_the_new_patches_and_reverts_one_patches_file_at_a_time(
        cli, dataset, tmp_path):
    before = snapshot(dataset)
    write_patches(standard_findings()[:1], dataset, tmp_path / "first")
    assert cli("apply", tmp_path / "first" / "patches.jsonl", "--root", dataset, "--in-place",
               "--backup-dir", tmp_path / "backup").exit_code == 0
    first = snapshot(dataset)
    write_patches(standard_findings()[1:2], dataset, tmp_path / "second")  # hashes of the patched file
    second = ["apply", tmp_path / "second" / "patches.jsonl", "--root", dataset, "--in-place",
              "--backup-dir", tmp_path / "backup"]
    assert cli(*second).exit_code == 0
    extracted = json.loads((dataset / EXTRACTED).read_text())
    assert extracted["id"] == FID and extracted["metadata:vad"] == SORTED
    again = cli(*second)
    assert again.exit_code == 0 and "wrote" not in again.stderr
    for patches, expected in (("second", first), ("first", before)):  # each undoes its own, the newest first
        result = cli("revert", tmp_path / patches / "patches.jsonl", "--root", dataset,
                     "--backup-dir", tmp_path / "backup")
        assert result.exit_code == 0, result.stderr
        assert snapshot(dataset) == expected


def test_select_takes_codes_and_prefixes(cli, dataset, patches):
    result = cli("apply", patches, "--root", dataset, "--select", "IN017,PR")
    assert result.exit_code == 0, result.stderr
    assert sorted(snapshot(patches.parent / "patched")) == sorted([EXTRACTED, TAR, INTERACTIONS])


def test_a_target_changed_since_the_audit_is_refused_and_others_still_apply(cli, dataset, patches):
    (dataset / VAD).write_text('{"start": 0.0, "end": 9.0}\n')
    result = cli("apply", patches, "--root", dataset, "--in-place")
    assert result.exit_code == 1
    assert "refused" in result.stderr and "differs from the patch" in result.stderr
    assert (dataset / VAD).read_text() == '{"start": 0.0, "end": 9.0}\n'
    assert json.loads((dataset / TRANSCRIPT).read_text())["transcript"] == "hello"  # the same fix's other file
    assert json.loads((dataset / EXTRACTED).read_text())["id"] == FID  # other targets applied


def test_revert_refuses_a_file_changed_after_apply_and_names_it(cli, dataset, patches):
    assert cli("apply", patches, "--root", dataset, "--in-place").exit_code == 0
    (dataset / EXTRACTED).write_text('{"id": "edited by hand"}')
    result = cli("revert", patches, "--root", dataset)
    assert result.exit_code == 1
    assert "neither a patched state" in result.stderr
    assert FID in result.stderr
    assert (dataset / EXTRACTED).read_text() == '{"id": "edited by hand"}'


def test_revert_works_on_a_copy_of_the_patched_root_and_on_an_out_folder(cli, dataset, patches, tmp_path):
    before = snapshot(dataset)
    assert cli("apply", patches, "--root", dataset, "--out", tmp_path / "copy").exit_code == 0
    assert cli("revert", patches, "--root", tmp_path / "copy").exit_code == 0
    assert {k: v for k, v in snapshot(tmp_path / "copy").items()} == {k: before[k] for k in CHANGED}
    assert cli("apply", patches, "--root", dataset, "--in-place").exit_code == 0
    shutil.copytree(dataset, tmp_path / "mirror")
    assert cli("revert", patches, "--root", tmp_path / "mirror").exit_code == 0
    assert snapshot(tmp_path / "mirror") == before


def test_dry_run_prints_a_diff_per_target_and_writes_nothing(cli, dataset, patches):
    before = snapshot(patches.parent)
    result = cli("apply", patches, "--root", dataset, "--in-place", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert f'--- a/{TAR}:{FID}.json\n+++ b/{TAR}:{FID}.json\n' in result.stdout
    assert '-  "id": "wrong",\n+  "id": "V00_S0001_I00000001_P0001",' in result.stdout
    assert f"+++ b/{INTERACTIONS}#V00_S0001_I00000002" in result.stdout
    assert result.stdout.count("+++ b/") == 6
    assert "would apply" in result.stderr
    assert snapshot(patches.parent) == before and not (patches.parent / "backup").exists()


def test_a_dry_run_diff_shows_control_characters_in_the_data_visibly(cli, dataset, tmp_path):
    hostile = "food \x9b2J \u202egnp.exe"  # an 8-bit CSI and a direction override: JSON leaves both raw
    write_patches([finding("PR001", f"{INTERACTIONS}#V00_S0001_I00000002",
                           [{"op": "replace", "path": "/prompt", "value": hostile}])], dataset, tmp_path / "audit")
    result = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", dataset, "--in-place", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert '+  "prompt": "food \\x9b2J \\u202egnp.exe"' in result.stdout and "\x9b" not in result.stdout


def test_conflicts_and_invalid_fixes_are_reported_with_exit_1(cli, dataset, tmp_path):
    findings = standard_findings() + [
        finding("XX001", EXTRACTED, [{"op": "replace", "path": "/id", "value": "other"}], Applicability.UNSAFE),
        finding("XX002", EXTRACTED2, [{"op": "remove", "path": "/missing"}]),
    ]
    write_patches(findings, dataset, tmp_path / "audit")
    result = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", dataset, "--in-place")
    assert result.exit_code == 1
    assert "conflicts with IN017" in result.stderr
    assert "XX002" in result.stderr
    _check_patched(dataset)  # everything else applied
    select = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", dataset, "--in-place", "--select", "IN,PR")
    assert select.exit_code == 0, select.stderr  # the conflicting and invalid fixes are not selected


def test_a_symlinked_target_is_refused_and_its_destination_untouched(cli, dataset, patches, tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_bytes((dataset / EXTRACTED).read_bytes())
    (dataset / EXTRACTED).unlink()
    os.symlink(outside, dataset / EXTRACTED)
    before = outside.read_bytes()
    result = cli("apply", patches, "--root", dataset, "--in-place")
    assert result.exit_code == 1 and "symlink" in result.stderr
    assert outside.read_bytes() == before and (dataset / EXTRACTED).is_symlink()


@pytest.mark.parametrize("args, message", [
    (["--out", "{tmp}/o", "--in-place"], "exclude each other"),
    (["--out", "{root}/.."], "holds the dataset root"),
])
def test_usage_errors_exit_2(cli, dataset, patches, tmp_path, args, message):
    args = [a.format(tmp=tmp_path, root=dataset) for a in args]
    result = cli("apply", patches, "--root", dataset, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_default_folders_inside_the_root_are_refused(cli, dataset, patches):
    inside = dataset / "patches.jsonl"
    shutil.copy(patches, inside)
    for command in (["apply", inside, "--in-place"], ["apply", inside], ["revert", inside]):
        result = cli(*command, "--root", dataset)
        assert result.exit_code == 2 and "inside the dataset root" in result.stderr


def test_a_malformed_patches_file_exits_2_naming_the_line(cli, dataset, patches):
    lines = patches.read_text().splitlines()
    record = json.loads(lines[1])
    record["fixes"][0]["confidence"] = 7
    patches.write_text("\n".join([lines[0], json.dumps(record)]) + "\n")
    result = cli("apply", patches, "--root", dataset)
    assert result.exit_code == 2 and "line 2" in result.stderr and "confidence" in result.stderr
    patches.write_text("{not json\n")
    assert cli("revert", patches, "--root", dataset).exit_code == 2


def test_a_tampered_record_cannot_reach_outside_the_root(cli, dataset, patches, tmp_path):
    records = [json.loads(line) for line in patches.read_text().splitlines()]
    (tmp_path / "victim.json").write_text('{"id": "x"}')
    records[0]["target"] = "../victim.json"
    patches.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = cli("apply", patches, "--root", dataset, "--in-place")
    assert result.exit_code == 1 and "not normalised" in result.stderr
    assert (tmp_path / "victim.json").read_text() == '{"id": "x"}'
    assert len(read_patches(patches)) == 6


def test_a_missing_root_is_a_usage_error(cli, patches, tmp_path):
    for command in ("apply", "revert"):
        result = cli(command, patches, "--root", tmp_path / "nowhere")
        assert result.exit_code == 2 and "Invalid value for --root" in result.stderr
