"""Killing an audit at any moment and running it again gives the findings of an uninterrupted run; two runs
on one output folder do not corrupt it."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from filelock import FileLock

from siqa.audit import AuditOptions, run_audit
from siqa.engine.cache import CACHE_FILE
from siqa.outputs.lock import LOCK_FILE, OutputBusy


def _cached_rows(path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow  # real kills of real processes, ~25 s: CI runs it with the slow checks
def test_sigkill_then_rerun_equals_an_uninterrupted_run(integrity_batch, tmp_path):
    reference = run_audit(AuditOptions(batch=integrity_batch.batch, root=integrity_batch.root, out=tmp_path / "ref",
                                       jobs=1, cache=False))
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "siqa", "audit", "--root", str(integrity_batch.root), "--batch",
               integrity_batch.batch, "--out", str(out), "--jobs", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = out / ".siqa-cache" / CACHE_FILE
    deadline = time.monotonic() + 60
    while _cached_rows(cache) < 50 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the audit finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (out / "findings.jsonl").exists()  # never a half-written output
    resumed = subprocess.run(command, capture_output=True, text=True)
    assert resumed.returncode == 1, resumed.stderr
    assert (out / "findings.jsonl").read_text() == reference.findings_path.read_text()


def test_a_second_writer_on_the_same_output_folder_is_refused(clean_tar_batch, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with FileLock(tmp_path / LOCK_FILE):
        with pytest.raises(OutputBusy, match="another siqa audit is writing"):
            run_audit(AuditOptions(batch=clean_tar_batch.batch, root=clean_tar_batch.root, out=tmp_path, jobs=1))
    assert not (tmp_path / "findings.jsonl").exists()


def test_rerun_reuses_cached_results_and_reflects_a_changed_file(clean_tar_batch, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(clean_tar_batch.root, root)
    # ASR off: TR001 judges a batch this small (no ASR error floor) against its absolute fallback, and Whisper
    # tiny mishears some natural-variation voices beyond it; this test is about the cache
    options = AuditOptions(batch=clean_tar_batch.batch, root=root, out=tmp_path / "out", jobs=1,
                           asr={"backend": "none"})
    first = run_audit(options)
    assert first.findings_path.read_text() == ""
    tar = next(root.rglob("*.tar"))
    with open(tar, "r+b") as handle:  # damage the first member's (a WAV) header in place
        handle.seek(512)
        handle.write(b"XXXX")
    second = run_audit(options)
    assert "IN001" in second.findings_path.read_text()


def test_a_changed_root_table_invalidates_the_cached_results(clean_tar_batch, tmp_path):
    """Prompts and recorded boundaries come from the root tables: a result cached before a table changed (a
    patch applied to it) must not be reused."""
    root = tmp_path / "root"
    shutil.copytree(clean_tar_batch.root, root)
    options = AuditOptions(batch=clean_tar_batch.batch, root=root, out=tmp_path / "out", jobs=1, select=["TS003"])
    run_audit(options)
    cache = tmp_path / "out" / ".siqa-cache" / CACHE_FILE
    before = _cached_rows(cache)
    assert before > 0
    run_audit(options)
    assert _cached_rows(cache) == before  # same tables: every result reused
    table = root / "interactions.csv"
    table.write_text(table.read_text() + "\n")  # the same rows: only the bytes changed
    run_audit(options)
    assert _cached_rows(cache) == 2 * before  # the edited table: every interaction judged anew
