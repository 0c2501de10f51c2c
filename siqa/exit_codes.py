"""The exit status of every `siqa` command, in one place: CI scripts branch on these three numbers."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    """Nothing to report: no finding at `--fail-on`, the gate passed, every fix applied, every file valid."""
    FAILED = 1
    """The command worked and the answer is no: findings at `--fail-on`, a gate breach, a refused target,
    an invalid rule set or patches file."""
    TOOL_ERROR = 2
    """The command could not do its work: bad usage, an unreadable input, a missing dataset."""
