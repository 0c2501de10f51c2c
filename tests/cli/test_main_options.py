"""Options every command shares: --version, shell completion, -v/-q on the `siqa` logger (workers included),
--no-progress, and the shared exit codes."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from siqa import __version__
from siqa.cli.main import app
from siqa.exit_codes import ExitCode
from siqa.log import captured, level_from, replay


def siqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siqa", *args], capture_output=True, text=True)


def test_version_and_completion(monkeypatch):
    monkeypatch.setenv("SIQA_LOG_LEVEL", "warning")
    assert CliRunner().invoke(app, ["--version"]).output == f"siqa {__version__}\n"
    # the installed entry point, in its own process: completion scripts are keyed by the program's name. The
    # shell is named, not detected from the process tree (typer's own switch for that): a test has no shell above
    explicit = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = subprocess.run([str(Path(sys.executable).with_name("siqa")), "--show-completion", "bash"],
                           capture_output=True, text=True, env={**os.environ, **explicit})
    assert shown.returncode == 0 and "_SIQA_COMPLETE=complete_bash" in shown.stdout


def test_verbosity_counts_and_the_environment(monkeypatch):
    monkeypatch.delenv("SIQA_LOG_LEVEL", raising=False)
    assert [level_from(v, q) for v, q in ((0, 0), (1, 0), (2, 0), (0, 1), (0, 5))] == [
        logging.WARNING, logging.INFO, logging.DEBUG, logging.ERROR, logging.CRITICAL]
    monkeypatch.setenv("SIQA_LOG_LEVEL", "debug")
    assert level_from(0, 0) == logging.DEBUG and level_from(0, 1) == logging.ERROR


def test_workers_log_at_the_level_the_cli_chose(clean_tar_batch, tmp_path, monkeypatch):
    args = ["audit", "--root", str(clean_tar_batch.root), "--batch", clean_tar_batch.batch, "--select", "IN001",
            "--no-report"]
    loud = siqa("-vv", *args, "--jobs", "2", "--out", str(tmp_path / "a"))
    assert loud.returncode == ExitCode.OK, loud.stderr
    sessions = [line for line in loud.stderr.splitlines() if line.startswith("DEBUG siqa.engine.task: session ")]
    assert len(sessions) == 2 and "auditing" in loud.stderr  # one per session, from the worker processes
    monkeypatch.setenv("SIQA_LOG_LEVEL", "warning")
    quiet = CliRunner().invoke(app, ["-q", *args, "--jobs", "1", "--out", str(tmp_path / "b")])
    assert quiet.exit_code == ExitCode.OK and "DEBUG" not in quiet.output and "auditing" not in quiet.output


def test_records_captured_in_a_remote_worker_replay_at_the_drivers_level(caplog):
    def work(x: int) -> int:
        logging.getLogger("siqa.engine.task").debug("squared %d", x)
        logging.getLogger("siqa.engine.task").warning("careful with %d", x)
        return x * x

    result, records = captured(logging.DEBUG, work, 3)
    assert result == 9 and [r.getMessage() for r in records] == ["squared 3", "careful with 3"]
    with caplog.at_level(logging.WARNING, logger="siqa"):
        replay(records)
    assert [r.getMessage() for r in caplog.records] == ["careful with 3"]
