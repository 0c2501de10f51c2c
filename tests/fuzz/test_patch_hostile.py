"""`siqa apply` and `siqa revert` against a hostile patches file, dataset and backup folder (issue 21): planted
links at temporary names and in the backup folder, a forged manifest, documents a fix would blow up, oversized
inputs, spreadsheet formulas in table rows, and a full disk. Each must end as a refusal that names what it refused,
never as a write outside the root, lost data, a traceback or unbounded work."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from siqa.dataset.decode import Limits
from siqa.findings import Applicability
from siqa.outputs.files import UnsafeEntry, atomic_writer
from siqa.patches.apply import ApplyOptions, Status, apply_patches
from siqa.patches.backup import MANIFEST
from siqa.patches.model import PatchFileError, read_patches
from siqa.patches.ops import MAX_OPERATIONS
from siqa.patches.write import write_patches
from tests.fuzz.figures import fault
from tests.patches.conftest import (
    EXTRACTED,
    FID,
    FID2,
    INTERACTIONS,
    SORTED,
    TAR,
    build_dataset,
    finding,
    meta,
    snapshot,
    standard_findings,
    tar_bytes,
)

CODE, FIX_ID = "XX021", "0123456789abcdef"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return build_dataset(tmp_path / "root")


@pytest.fixture
def patches(root: Path, tmp_path: Path) -> Path:
    write_patches(standard_findings(), root, tmp_path / "audit")
    return tmp_path / "audit" / "patches.jsonl"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hand_written(root: Path, folder: Path, operations: list[dict[str, Any]], target: str = EXTRACTED) -> Path:
    """A patches file holding one fix of `operations` on the file `target`, as an attacker would write it."""
    fix = {"id": FIX_ID, "code": CODE, "confidence": 1.0, "applicability": "safe", "operations": operations}
    record = {"version": 1, "target": target, "sha256": _sha((root / target).read_bytes()), "fixes": [fix]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patches.jsonl").write_text(json.dumps(record) + "\n")
    return folder / "patches.jsonl"


def _options(root: Path, tmp_path: Path, **limits: int) -> ApplyOptions:
    return ApplyOptions(root=root, out=tmp_path / "out", backup_dir=tmp_path / "backup", limits=Limits(**limits))


def _refusal(report: Any) -> str:
    outcome = report.outcomes[FIX_ID]
    assert outcome.status is Status.REFUSED and report.written == []
    return outcome.reason


# --- 1: links planted at temporary names ---------------------------------------------------------------------


@pytest.mark.parametrize("victim_exists", [True, False], ids=["victim", "dangling"])
def test_a_link_at_a_temporary_name_never_redirects_a_write(tmp_path, victim_exists):
    path, victim = tmp_path / "out" / "t.json", tmp_path / "victim"
    path.parent.mkdir()
    if victim_exists:
        victim.write_text("precious")
    for pid in (os.getpid(), *range(2, 400)):  # the old names were .<name>.<pid>.tmp
        os.symlink(victim, path.with_name(f".{path.name}.{pid}.tmp"))
    fault("link at a temporary name")
    with atomic_writer(path) as handle:
        handle.write("new")
    assert not path.is_symlink() and path.read_text() == "new"
    assert (victim.read_text() == "precious") if victim_exists else not victim.exists()
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # the permissions of a plain write, not mkstemp's 0600


def test_a_destination_swapped_for_a_link_after_the_rename_is_refused(tmp_path, monkeypatch):
    """A writer racing the rename (out of scope to prevent, not to notice): the check after it says so."""
    path, real_replace = tmp_path / "t.json", os.replace

    def racing(source: str, destination: str) -> None:
        real_replace(source, destination)
        os.unlink(destination)
        os.symlink(tmp_path / "elsewhere", destination)

    monkeypatch.setattr(os, "replace", racing)
    with pytest.raises(UnsafeEntry, match="not the file just written"), atomic_writer(path) as handle:
        handle.write("new")


@pytest.mark.parametrize("command", ["apply", "revert"])
def test_apply_and_revert_refuse_a_file_with_a_link_at_its_temporary_name(cli, root, patches, tmp_path, command):
    if command == "revert":
        assert cli("apply", patches, "--root", root, "--in-place").exit_code == 0
    before, victim = snapshot(root), tmp_path / "victim.json"
    planted = root / EXTRACTED
    planted = planted.with_name(f".{planted.name}.{os.getpid()}.tmp")
    os.symlink(victim, planted)
    fault("link at a temporary name")
    result = cli(command, patches, "--root", root, *(["--in-place"] if command == "apply" else []))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "non-regular entry at a temporary name" in result.stderr and planted.name in result.stderr
    assert not victim.exists() and planted.is_symlink()
    assert (root / EXTRACTED).read_bytes() == before[EXTRACTED] and not (root / EXTRACTED).is_symlink()


# --- 3, 4: the backup folder is untrusted ---------------------------------------------------------------------


def _forge_manifest(backup: Path, name: str, current: str, base_bytes: bytes, location: str | None,
                    fixes: list[str]) -> None:
    """A manifest saying `name` (now hashing to `current`) was rendered from `base_bytes`, kept at `location`."""
    base = _sha(base_bytes)
    location = location or f"files/{base}/{name}"
    if not os.path.isabs(location) and ".." not in location:
        (backup / location).parent.mkdir(parents=True, exist_ok=True)
        (backup / location).write_bytes(base_bytes)
    entry = {"original_sha256": base, "backups": {base: [location]},
             "states": {current: {"base": base, "fixes": fixes}}}
    backup.mkdir(parents=True, exist_ok=True)
    (backup / MANIFEST).write_text(json.dumps({"version": 1, "files": {name: entry}}))


def _tar_with(path: Path, replaced: dict[str, bytes]) -> bytes:
    with tarfile.open(path) as archive:
        return tar_bytes([(m.name, replaced.get(m.name, archive.extractfile(m).read()))
                          for m in archive.getmembers()])


@pytest.mark.parametrize("forgery", ["garbage", "other member changed", "absolute path", "escaping path"])
def test_revert_restores_only_bytes_the_patches_file_vouches_for(cli, root, patches, tmp_path, forgery):
    """The attack of issue 21: a backup folder shipped beside the patches makes revert replace a whole tar."""
    assert cli("apply", patches, "--root", root, "--in-place", "--backup-dir", tmp_path / "good").exit_code == 0
    patched = snapshot(root)
    fixes = json.loads((tmp_path / "good" / MANIFEST).read_text())["files"][TAR]["states"]
    (state,) = fixes.values()
    original_tar = (tmp_path / "good" / "files" / state["base"] / TAR).read_bytes()
    outside = tmp_path / "evil.tar"
    forged, location = {
        "garbage": (b"not a tar at all" * 64, None),
        "other member changed": (_tar_with(tmp_path / "good" / "files" / state["base"] / TAR,
                                           {f"{FID}.wav": b"RIFF" + b"\x66" * 1000}), None),
        "absolute path": (original_tar, str(outside)),
        "escaping path": (original_tar, "../evil.tar"),
    }[forgery]
    outside.write_bytes(forged)
    _forge_manifest(tmp_path / "evil", TAR, _sha(patched[TAR]), forged, location, state["fixes"])
    fault("forged backup manifest")
    result = cli("revert", patches, "--root", root, "--backup-dir", tmp_path / "evil")
    assert result.exit_code == 1 and "Traceback" not in result.stderr, result.stderr
    assert TAR in result.stderr
    assert (root / TAR).read_bytes() == patched[TAR]


def test_apply_renders_again_only_from_a_backup_the_patches_file_vouches_for(cli, root, tmp_path):
    """A second apply re-renders a patched file from its backup: a forged one must not reach the dataset."""
    unsafe = finding("IN015", f"{TAR}:{FID2}.json", [{"op": "replace", "path": "/metadata:vad", "value": SORTED}],
                     Applicability.UNSAFE)
    write_patches([*standard_findings(), unsafe], root, tmp_path / "audit")
    patches, backup = tmp_path / "audit" / "patches.jsonl", tmp_path / "backup"
    assert cli("apply", patches, "--root", root, "--in-place", "--only", "safe", "--backup-dir", backup).exit_code == 0
    patched = snapshot(root)
    (state,) = json.loads((backup / MANIFEST).read_text())["files"][TAR]["states"].values()
    copy = backup / "files" / state["base"] / TAR
    forged = _tar_with(copy, {f"{FID}.wav": b"RIFF" + b"\x66" * 1000})
    shutil.rmtree(backup)
    _forge_manifest(backup, TAR, _sha(patched[TAR]), forged, None, state["fixes"])
    fault("forged backup manifest")
    result = cli("apply", patches, "--root", root, "--in-place", "--backup-dir", backup)
    assert result.exit_code == 1 and "does not give the current bytes" in result.stderr
    assert (root / TAR).read_bytes() == patched[TAR]


def test_a_backup_that_is_a_link_to_the_live_file_is_replaced_by_a_real_copy(cli, root, patches, tmp_path):
    before = snapshot(root)
    copy = tmp_path / "audit" / "backup" / "files" / _sha(before[EXTRACTED]) / EXTRACTED
    copy.parent.mkdir(parents=True)
    os.symlink(root / EXTRACTED, copy)
    fault("backup that is a link")
    assert cli("apply", patches, "--root", root, "--in-place").exit_code == 0
    assert not copy.is_symlink() and copy.read_bytes() == before[EXTRACTED]
    assert cli("revert", patches, "--root", root).exit_code == 0
    assert snapshot(root) == before


def test_a_link_inside_the_backup_folder_is_refused(cli, root, patches, tmp_path):
    before = snapshot(root)
    files = tmp_path / "audit" / "backup" / "files"
    files.mkdir(parents=True)
    os.symlink(root / "improvised", files / _sha(before[EXTRACTED]))  # files/<sha>/improvised/... is the live file
    fault("backup that is a link")
    result = cli("apply", patches, "--root", root, "--in-place")
    assert result.exit_code == 2 and "a link inside the backup folder" in result.stderr
    assert snapshot(root) == before


# --- 5, 8: fixes that blow a document up ----------------------------------------------------------------------


def _doubling(copies: int) -> list[dict[str, Any]]:
    return [{"op": "copy", "from": "", "path": f"/copy{i}"} for i in range(copies)]


def test_copies_that_double_the_document_stop_at_the_growth_cap(cli, root, tmp_path):
    """The issue's 1 KB patch: 20 copies took 35 s and 336 MB, 26 over 120 s. Now refused after a few doublings."""
    fault("doubling copies")
    result = cli("apply", _hand_written(root, tmp_path / "audit", _doubling(40)), "--root", root)
    assert result.exit_code == 1 and f"refused {CODE} {FIX_ID} {EXTRACTED}: " in result.stderr
    assert "the document would grow past the growth cap" in result.stderr


def test_copies_stop_at_the_size_limit(root, tmp_path):
    reason = _refusal(apply_patches(_hand_written(root, tmp_path / "audit", _doubling(40)),
                                    _options(root, tmp_path, json_bytes=1 << 20)))
    assert re.search(r"operation \d+ \(copy '/copy\d+'\): the document would grow past the json_bytes limit of "
                     "1048576 bytes", reason)


def test_a_fix_with_too_many_operations_is_refused_by_id_code_and_cap(cli, root, tmp_path):
    flood = [{"op": "test", "path": "/id", "value": "V00_S0001_I00000001_P9999"}] * (MAX_OPERATIONS + 1)
    result = cli("apply", _hand_written(root, tmp_path / "audit", flood), "--root", root)
    assert result.exit_code == 1
    assert f"refused {CODE} {FIX_ID} {EXTRACTED}: " in result.stderr and f"cap of {MAX_OPERATIONS}" in result.stderr


def test_the_rendered_document_is_bounded_by_the_size_limit(root, tmp_path):
    controls = [{"op": "add", "path": "/c", "value": "\x01" * 400}]  # 400 bytes in memory, 2400 as JSON escapes
    copies = [{"op": "copy", "from": "/c", "path": f"/c{i}"} for i in range(4)]
    reason = _refusal(apply_patches(_hand_written(root, tmp_path / "audit", controls + copies),
                                    _options(root, tmp_path, json_bytes=4 << 10)))
    assert "over the json_bytes limit of 4096" in reason


def _deeper_and_deeper(levels: int) -> list[dict[str, Any]]:
    return [{"op": "add", "path": "/nest" + "/x" * level, "value": {}} for level in range(levels)]


def test_operations_cannot_nest_deeper_than_the_depth_limit(cli, root, tmp_path):
    result = cli("apply", _hand_written(root, tmp_path / "audit", _deeper_and_deeper(600)), "--root", root)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{FIX_ID} {EXTRACTED}" in result.stderr and "over the json_depth limit of 64" in result.stderr


def test_a_document_too_deep_to_render_is_a_refusal_not_a_traceback(root, tmp_path):
    """With the depth limit raised past what `json.dumps` can recurse, rendering fails: a refusal of the fix."""
    reason = _refusal(apply_patches(_hand_written(root, tmp_path / "audit", _deeper_and_deeper(1200)),
                                    _options(root, tmp_path, json_depth=5000)))
    assert "nested too deeply to render" in reason


# --- 6: bounded reads -----------------------------------------------------------------------------------------


def test_a_patches_line_over_the_limit_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "patches.jsonl"
    with open(path, "wb") as handle:
        handle.write(b"\n")
        handle.truncate(3 << 30)  # sparse: 3 GiB of zeros and no second newline
    with pytest.raises(PatchFileError, match=r"patches.jsonl line 2: longer than the json_bytes limit of 4096"):
        read_patches(path, Limits(json_bytes=4096))


def test_a_sparse_3_gib_patches_file_is_refused_by_the_cli(cli, root, tmp_path):
    path = tmp_path / "patches.jsonl"
    with open(path, "wb") as handle:
        handle.truncate(3 << 30)
    result = cli("apply", path, "--root", root)
    assert result.exit_code == 2 and "line 1: longer than the json_bytes limit" in result.stderr


@pytest.mark.parametrize("target", [EXTRACTED, f"{TAR}:{FID}.json", f"{INTERACTIONS}#V00_S0001_I00000002"])
def test_a_target_over_the_limit_is_refused_unread(root, tmp_path, target):
    padded = json.dumps(meta(FID, pad="x" * 5000)).encode()  # over the 4 KiB limit the patches line is under
    if "#" in target:
        operations, limits = [{"op": "replace", "path": "/prompt", "value": "x"}], {"table_bytes": 64}
    else:
        operations, limits = [{"op": "replace", "path": "/id", "value": "padded"}], {"json_bytes": 4 << 10}
        if target == EXTRACTED:
            (root / EXTRACTED).write_bytes(padded)
        else:
            (root / TAR).write_bytes(tar_bytes([(f"{FID}.json", padded)]))
    write_patches([finding("XX021", target, operations)], root, tmp_path / "audit")
    report = apply_patches(tmp_path / "audit" / "patches.jsonl", _options(root, tmp_path, **limits))
    (outcome,) = report.outcomes.values()
    limit = next(iter(limits.values()))
    assert outcome.status is Status.REFUSED and f"over the {limit}-byte limit; not read" in outcome.reason


# --- 10: spreadsheet formulas in table rows -------------------------------------------------------------------


ROW = f"{INTERACTIONS}#V00_S0001_I00000002"


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+1+cmd|x", "-2-cmd", "\tsneaky", "\r=1"])
def test_a_row_patch_writing_a_formula_is_refused_unless_allowed(cli, root, tmp_path, value):
    write_patches([finding("PR001", ROW, [{"op": "replace", "path": "/prompt", "value": value}])], root,
                  tmp_path / "audit")
    before = snapshot(root)
    refused = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", root, "--in-place")
    assert refused.exit_code == 1 and snapshot(root) == before
    assert "PR001" in refused.stderr and ROW in refused.stderr and "formula" in refused.stderr
    assert "prompt = " in refused.stderr and "--allow-formulas" in refused.stderr
    allowed = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", root, "--in-place", "--allow-formulas")
    assert allowed.exit_code == 0, allowed.stderr
    assert snapshot(root)[INTERACTIONS] != before[INTERACTIONS]


def test_a_new_column_named_like_a_formula_is_refused(cli, root, tmp_path):
    write_patches([finding("PR002", ROW, [{"op": "add", "path": "/=HYPERLINK(\"x\")", "value": "1"}])], root,
                  tmp_path / "audit")
    result = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", root, "--in-place")
    assert result.exit_code == 1 and "column name '=HYPERLINK" in result.stderr


@pytest.mark.parametrize("value", ["-1.5", "+3", "-2e-3", ".5", "plain text", "a=b"])
def test_numbers_and_plain_text_are_written(cli, root, tmp_path, value):
    row = "participants.csv#P0002"
    write_patches([finding("PR003", row, [{"op": "replace", "path": "/age", "value": value}])], root,
                  tmp_path / "audit", {"participants": {"participant_id": "participant_id"}})
    result = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", root, "--in-place")
    assert result.exit_code == 0, result.stderr
    assert f"P0002,{value}\n" in (root / "participants.csv").read_text()


# --- 13: a full disk -------------------------------------------------------------------------------------------


def test_a_full_disk_during_apply_is_one_line_and_leaves_each_file_whole(cli, root, patches, monkeypatch):
    """fsync reports ENOSPC for files under the root (delayed allocation on a full disk fails there)."""
    before, real_fsync = snapshot(root), os.fsync

    def full(descriptor: int) -> None:
        if os.readlink(f"/proc/self/fd/{descriptor}").startswith(str(root)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", full)
    fault("full disk")
    result = cli("apply", patches, "--root", root, "--in-place")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"cannot write {root}/" in line and "No space left on device" in line
    assert snapshot(root) == before and not list(root.rglob(".*.tmp"))
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert cli("apply", patches, "--root", root, "--in-place").exit_code == 0
    assert cli("revert", patches, "--root", root).exit_code == 0 and snapshot(root) == before


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux) for a private tmpfs")
def test_a_really_full_disk_during_apply(root, patches, tmp_path):
    """ENOSPC from a real 64 KiB tmpfs holding the dataset; with space freed, apply finishes and revert undoes it."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("user and mount namespaces are not available here")
    before = snapshot(root)
    small, kept, backup = tmp_path / "small", tmp_path / "kept", tmp_path / "backup"
    small.mkdir()
    apply = f"{sys.executable} -m siqa apply {patches} --root {small}/root --in-place --backup-dir {backup}"
    script = (f"mount -t tmpfs -o size=64k tmpfs {small} && cp -a {root} {small}/root && "
              f"{{ dd if=/dev/zero of={small}/filler bs=1k 2>/dev/null; "
              f"{apply} 2>{tmp_path}/full.err; echo $? > {tmp_path}/full.rc; cp -a {small}/root {kept}; "
              f"rm {small}/filler; {apply}; }}")
    run = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120,
                         check=False)
    fault("full disk")
    stderr = (tmp_path / "full.err").read_text()
    assert (tmp_path / "full.rc").read_text().strip() == "2" and "Traceback" not in stderr, stderr
    (line,) = stderr.strip().splitlines()
    assert "cannot write" in line and "No space left on device" in line
    assert snapshot(kept) == before and not list(kept.rglob(".*.tmp"))
    assert run.returncode == 0, run.stderr  # with space, the same apply finishes
