"""A real `siqa audit --jobs 2`, in a process group of its own as a terminal would start it, stopped while a worker
is inside a session (the fault plugin's hang): Ctrl-C to the whole group ends it with one line and status 130, no
traceback from the audit or any helper process; `kill -9` of the audit alone leaves no worker, fork server or
resource tracker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from siqa.dataset.batch import open_batches
from tests.fuzz import faults
from tests.fuzz.figures import fault

SECONDS = 60  # for the workers to start (the fork server imports every rule first), and for the group to end


def _group(pgid: int) -> list[str]:
    """The live processes of a process group (zombies are dead: their parent has only to reap them)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(f"{stat.parent.name}: {(stat.parent / 'cmdline').read_bytes()[:80]!r}")
    return found


def _until(condition: Callable[[], object], seconds: float = SECONDS) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def hanging_audit(fuzz_batch, tmp_path) -> Iterator[subprocess.Popen]:
    """The audit, started once one of its workers is stuck in a session."""
    (index,) = open_batches(fuzz_batch.root, fuzz_batch.batch, fuzz_batch.label)
    marks = tmp_path / "marks"
    marks.mkdir()
    plugin = faults.install_plugin(tmp_path / "plugin")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), os.environ.get("PYTHONPATH", "")]),
           "SIQA_FAULT_MARKS": str(marks), "SIQA_FAULT_HANG": str(next(index.participant_files()).file_id)}
    audit = subprocess.Popen([sys.executable, "-m", "siqa", "audit", "--root", str(fuzz_batch.root), "--batch",
                              fuzz_batch.batch, "--out", str(tmp_path / "out"), "--jobs", "2", "--no-report"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        assert _until(lambda: list(marks.glob("*.hang")) or audit.poll() is not None), "no worker started"
        assert audit.poll() is None, audit.communicate()[1]
        yield audit
    finally:
        if _group(audit.pid):
            os.killpg(audit.pid, signal.SIGKILL)
        audit.communicate()


def test_ctrl_c_ends_an_audit_with_one_line_and_status_130(hanging_audit):
    os.killpg(hanging_audit.pid, signal.SIGINT)
    _, stderr = hanging_audit.communicate(timeout=SECONDS)
    fault("interrupted")
    assert hanging_audit.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert stderr.count("siqa: interrupted;") == 1
    assert _until(lambda: not _group(hanging_audit.pid), 10), _group(hanging_audit.pid)


def test_a_killed_audit_leaves_no_process_behind(hanging_audit):
    assert len(_group(hanging_audit.pid)) >= 4, "the audit, its fork server, resource tracker and workers"
    hanging_audit.kill()
    hanging_audit.wait()
    fault("audit killed")
    assert _until(lambda: not _group(hanging_audit.pid), 10), _group(hanging_audit.pid)
