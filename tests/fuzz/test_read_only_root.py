"""A read-only dataset root holding files that cannot be read (no permission, a FIFO, a folder or a link where a
file should be, a FIFO in a root table's place, a linked archive folder) audits to the end: each is named in a
finding, nothing hangs, and nothing under the root changes, not even a timestamp. The audit runs as an
unprivileged user, for whom the permissions hold (root ignores them), and its report goes to --out only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from siqa.audit import AuditOptions, run_audit
from tests.fuzz import faults
from tests.fuzz.figures import fault


def _state(folder: Path, skip: Path | None = None) -> dict[str, tuple[int, int, int]]:
    """Mode, size and modification time of every entry under `folder` (links not followed)."""
    state = {}
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(parent, name)
            if skip is None or not path.is_relative_to(skip):
                found = path.lstat()
                state[str(path.relative_to(folder))] = (found.st_mode, found.st_size, found.st_mtime_ns)
    return state


def _set_modes(root: Path, folders: int, files: int) -> None:
    for parent, names, leaves in os.walk(root):
        for name in names + leaves:
            path = Path(parent, name)
            if not path.is_symlink():  # chmod would follow the link out of the tree
                path.chmod(folders if path.is_dir() else files)
    root.chmod(folders)


def test_a_read_only_root_with_unreadable_files_audits_and_is_never_written(fuzz_batch, tmp_path):
    root, out = tmp_path / "root", tmp_path / "out"
    shutil.copytree(fuzz_batch.root, root)
    batch_dir = root / fuzz_batch.label / fuzz_batch.batch
    archive = batch_dir / "0000"
    defective = {t.get("file_id") for t in fuzz_batch.truth}
    first, second = [p.stem for p in sorted(archive.glob("*.json")) if p.stem not in defective][:2]
    unreadable, fifo, folder, link = (archive / name for name in (f"{first}.wav", f"{first}.npz", f"{second}.mp4",
                                                                   f"{second}.json"))
    folder.unlink()
    folder.mkdir()
    fifo.unlink()
    os.mkfifo(fifo)
    link.unlink()
    link.symlink_to("/etc/passwd")
    (root / "interactions.csv").unlink()
    os.mkfifo(root / "interactions.csv")
    (tmp_path / "elsewhere").mkdir()
    (batch_dir / "0009").symlink_to(tmp_path / "elsewhere")
    _set_modes(root, 0o555, 0o444)
    unreadable.chmod(0)
    before = _state(tmp_path, skip=out)

    try:
        audit = subprocess.run([sys.executable, "-m", "siqa", "audit", "--root", str(root), "--batch",
                                fuzz_batch.batch, "--out", str(out), "--jobs", "1", "--format", "jsonl"],
                               capture_output=True, text=True, timeout=300,
                               preexec_fn=faults.unprivileged())
        after = _state(tmp_path, skip=out)
    finally:
        _set_modes(root, 0o755, 0o644)  # so that pytest can remove the folder
    for _ in ("read-only root", "no permission", "FIFO", "folder", "link", "FIFO table", "linked folder"):
        fault("unreadable file")
    assert audit.returncode == 1 and "Traceback" not in audit.stderr, audit.stderr
    assert after == before, "siqa wrote under the dataset root"
    findings = [json.loads(line) for line in audit.stdout.splitlines()]
    named = {(f["code"], f["path"]): f["message"] for f in findings}
    relative = {p: str(p.relative_to(root)) for p in (unreadable, fifo, folder, link, batch_dir / "0009")}
    assert "Permission denied" in named["IN001", relative[unreadable]]
    for path in (fifo, folder, link):
        assert "not a regular file" in named["IN004", relative[path]], path.name
    assert "symbolic link" in named["IN004", relative[batch_dir / "0009"]]
    assert "not a regular file" in named["IN019", "interactions.csv"]
    assert (out / "findings.jsonl").is_file() and (out / "dashboard" / "index.html").is_file()


def test_an_output_folder_inside_the_dataset_root_is_refused_before_anything_is_written(fuzz_batch, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(fuzz_batch.root, root)
    before = _state(root)
    with pytest.raises(ValueError, match="inside the dataset root"):
        run_audit(AuditOptions(batch=fuzz_batch.batch, root=root, out=root / "reports", jobs=1))
    assert _state(root) == before
