"""siqa's diagnostics: the stdlib `siqa` logger, one level for the CLI and every worker process.

The CLI sets the level (`-v`, `-q`, else `$SIQA_LOG_LEVEL`, else warnings) and writes it to `$SIQA_LOG_LEVEL`,
so the local engine's workers, which take the parent's environment, log at the same level straight to stderr.
Ray workers may run on other nodes, whose stderr nobody reads: there each task captures its records and the
driver replays them through its own logger. Python warnings go the same way (`py.warnings`).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

LOGGER = "siqa"
LEVEL_ENV = "SIQA_LOG_LEVEL"
DEFAULT_LEVEL = logging.WARNING
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR,
          "critical": logging.CRITICAL}
_OWN = (LOGGER, "py.warnings")  # the loggers this module configures
T = TypeVar("T")


class _CurrentStderr(logging.StreamHandler):
    """Writes to `sys.stderr` as it is when a record comes (a test's captured stream, a worker's own)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def level_from(verbose: int, quiet: int) -> int:
    """-v info, -vv debug; -q errors only, -qq critical only; neither: `$SIQA_LOG_LEVEL`, else warnings."""
    if not verbose and not quiet:
        return env_level()
    return min(max(DEFAULT_LEVEL - 10 * (verbose - quiet), logging.DEBUG), logging.CRITICAL)


def env_level() -> int:
    """`$SIQA_LOG_LEVEL` (debug, info, warning, error, critical), else warnings."""
    return LEVELS.get(os.environ.get(LEVEL_ENV, "").strip().lower(), DEFAULT_LEVEL)


def configure(level: int) -> None:
    """Route the `siqa` logger and Python warnings to stderr at `level`; workers started from now on follow."""
    os.environ[LEVEL_ENV] = logging.getLevelName(level).lower()
    _install(level)


def configure_worker() -> None:
    """In a worker process: the level the CLI chose (its environment carries it)."""
    _install(env_level())


def _install(level: int) -> None:
    logging.captureWarnings(True)
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in _OWN:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _CurrentStderr)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)


def is_quiet() -> bool:
    """Whether the user asked for errors only (`-q`): progress bars are left out too."""
    return not logging.getLogger(LOGGER).isEnabledFor(logging.WARNING)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info = record.getMessage(), None, None  # picklable, text only
        self.records.append(record)


def captured(level: int, function: Callable[..., T], *args: Any) -> tuple[T, list[logging.LogRecord]]:
    """`function(*args)` and the records it logged at `level` (and the warnings it raised), for `replay` in the
    process that reads the result: a remote worker's stderr goes nowhere anyone looks."""
    logging.captureWarnings(True)
    collector = _Collect()
    loggers = [logging.getLogger(name) for name in _OWN]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(collector)
        logger.setLevel(level)
        logger.propagate = False
    try:
        return function(*args), collector.records
    finally:
        for logger, (old_level, propagate) in zip(loggers, saved):
            logger.removeHandler(collector)
            logger.setLevel(old_level)
            logger.propagate = propagate


def replay(records: list[logging.LogRecord]) -> None:
    """Records logged in another process, through this process's loggers (their level and handlers)."""
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
