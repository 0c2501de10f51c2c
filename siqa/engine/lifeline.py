"""Workers end with the audit, however the audit ends.

A pool worker waits on its task queue while holding that queue's pipe itself, and a worker forked by the fork
server holds the pipe that would tell the server the audit is gone: after a `kill -9` of the audit, workers, fork
server and resource tracker would wait for each other forever. So each pool gets a lifeline, a pipe whose only
writer is the audit process. Every worker watches its end from a thread and exits at end of file, which comes when
the audit closes the writer (to stop its workers at once, on Ctrl-C) or when the kernel does (the audit died); the
server and the tracker then see their own pipes close and exit too. On Linux a worker also has the kernel kill it
when the process that forked it ends (PR_SET_PDEATHSIG), which needs no thread to run.

Ctrl-C reaches the whole process group of a terminal; it is the audit's to handle, once: workers ignore SIGINT,
and the fork server starts with SIGINT blocked (its forked workers inherit that), so an interrupt prints no
traceback from any of them.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
ORPHANED_EXIT = 70  # a worker whose audit is gone (EX_SOFTWARE)


class Lifeline:
    """The audit's side of one pool's lifeline; `worker_end` goes to each worker (pickled as a file descriptor
    when the worker starts)."""

    def __init__(self) -> None:
        self.worker_end, self._writer = multiprocessing.Pipe(duplex=False)

    def cut(self) -> None:
        """Every worker holding the other end exits now, whatever it is doing."""
        self._writer.close()
        self.worker_end.close()


def hold(worker_end: Connection) -> None:
    """In a new worker: exit when the audit's end closes, ignore Ctrl-C, and on Linux die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    threading.Thread(target=_watch, args=(worker_end,), name="siqa-lifeline", daemon=True).start()


def _watch(worker_end: Connection) -> None:
    try:
        worker_end.recv_bytes()  # nothing is ever sent: this returns at end of file only
    except (EOFError, OSError):
        pass
    os._exit(ORPHANED_EXIT)


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT held back in this thread (and in any process it starts, which inherits the mask) for the block;
    one that arrives meanwhile is delivered when it ends, not lost."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
