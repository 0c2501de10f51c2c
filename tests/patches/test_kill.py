"""A SIGKILL at any moment of `siqa apply --in-place` leaves every file original or fully patched, and both
`revert` and a second `apply` recover from there.

The kills are real: `siqa apply` runs in a subprocess that SIGKILLs itself at its n-th `os.fsync` or
`os.replace` (every durable step of every atomic write, for every n), or is SIGKILLed from outside after a random
delay.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siqa.patches.write import write_patches
from tests.patches.conftest import build_dataset, finding, snapshot, standard_findings

SCRIPT = """
import os, signal, sys, time

kill_at, calls = int(sys.argv[1]), 0

def counted(real):
    def step(*args):
        global calls
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        calls += 1
        return real(*args)
    return step

os.fsync, os.replace = counted(os.fsync), counted(os.replace)
import typer
from siqa.cli import apply
import siqa.reports.patch_summary  # the heavy imports happen before "ready", so timed kills land in the work
app = typer.Typer()
apply.register(app)
print("ready", flush=True)
try:
    app(sys.argv[2:])
finally:
    print("steps", calls, flush=True)
"""


def _scenario(folder: Path, extra_files: int = 0) -> Path:
    """A dataset and its patches under `folder`; returns the patches file."""
    root = build_dataset(folder / "root")
    findings = standard_findings()
    for i in range(extra_files):
        relative = f"improvised/dev/0000/0001/V00_S0002_I{i:08d}_P0001.json"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text('{"id": "wrong", "metadata:vad": []}')
        findings.append(finding("IN017", relative, [{"op": "replace", "path": "/id", "value": relative[-30:-5]}]))
    write_patches(findings, root, folder / "audit")
    return folder / "audit" / "patches.jsonl"


def _start(folder: Path, kill_at: int) -> subprocess.Popen:
    script = folder.parent / "apply_with_kills.py"
    if not script.exists():
        script.write_text(SCRIPT)
    return subprocess.Popen([sys.executable, str(script), str(kill_at), str(folder / "audit" / "patches.jsonl"),
                             "--root", str(folder / "root"), "--in-place"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])


def _references(tmp: Path, extra_files: int) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    """(original files, fully patched files, durable steps of a whole run), from an uninterrupted run."""
    folder = tmp / "reference"
    _scenario(folder, extra_files)
    original = snapshot(folder / "root")
    run = _start(folder, -1)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 0, stderr
    return original, snapshot(folder / "root"), int(stdout.split()[-1])


def _check_and_recover(folder: Path, original: dict[str, bytes], patched: dict[str, bytes], cli) -> None:
    now = snapshot(folder / "root")
    leftovers = [name for name in now if name not in original]
    assert all(name.rsplit("/", 1)[-1].startswith(".") and name.endswith(".tmp") for name in leftovers), leftovers
    for name, data in original.items():
        assert now[name] in (data, patched[name]), f"{name} is neither original nor patched"
    copy = folder.with_name(folder.name + "-reapplied")
    shutil.copytree(folder, copy)
    patches = folder / "audit" / "patches.jsonl"
    reverted = cli("revert", patches, "--root", folder / "root")
    assert reverted.exit_code == 0, reverted.stderr
    assert snapshot(folder / "root") == original
    reapplied = cli("apply", copy / "audit" / "patches.jsonl", "--root", copy / "root", "--in-place")
    assert reapplied.exit_code == 0, reapplied.stderr
    assert snapshot(copy / "root") == patched


@pytest.mark.slow  # real kills of real processes, ~25 s: CI runs it with the slow checks
def test_a_kill_at_every_durable_step_leaves_each_file_original_or_patched(tmp_path, cli):
    original, patched, steps = _references(tmp_path, extra_files=0)
    assert steps >= 13 * 2  # 6 backups, the manifest and 6 files, each fsynced and renamed

    def killed_at(step: int) -> Path:
        folder = tmp_path / f"kill-{step:03d}"
        _scenario(folder)
        run = _start(folder, step)
        run.communicate(timeout=120)
        assert run.returncode == -signal.SIGKILL
        return folder

    with ThreadPoolExecutor(max_workers=8) as pool:
        folders = list(pool.map(killed_at, range(steps)))
    states = set()
    for folder in folders:
        states.add(tuple(sorted(n for n, d in snapshot(folder / "root").items() if d == patched.get(n) != original[n])))
        _check_and_recover(folder, original, patched, cli)
    assert len(states) > 3  # kills landed before, between and after the files were replaced


@pytest.fixture(scope="module")
def timed_reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("timed")
    original, patched, _ = _references(tmp, extra_files=40)
    folder = tmp / "timing"
    _scenario(folder, extra_files=40)
    run = _start(folder, -1)
    run.stdout.readline()
    started = time.monotonic()
    run.communicate(timeout=120)
    return tmp, original, patched, time.monotonic() - started


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(share=st.floats(0.0, 1.2))
def test_a_kill_at_a_random_moment_leaves_each_file_original_or_patched(timed_reference, cli, share):
    tmp, original, patched, duration = timed_reference
    folder = tmp / f"random-{time.monotonic_ns()}"
    _scenario(folder, extra_files=40)
    run = _start(folder, -1)
    assert run.stdout.readline().strip() == "ready"
    time.sleep(share * duration)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=120)
    _check_and_recover(folder, original, patched, cli)
