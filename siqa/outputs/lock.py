"""One writer per output folder: `siqa audit` and `siqa identity` hold its lock while they write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = ".siqa.lock"


class OutputBusy(Exception):
    """Another siqa command is writing the same output folder."""


class OutputError(Exception):
    """The outputs could not be written (a full disk, a read-only folder); each output file is whole or absent."""


@contextmanager
def writing(out_dir: Path, busy: str) -> Iterator[None]:
    """Hold `out_dir`'s lock for the block, or raise OutputBusy with the message `busy` when another writer
    holds it (never waits: two writers would interleave their outputs)."""
    lock = FileLock(out_dir / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputBusy(busy) from None
    try:
        yield
    finally:
        lock.release()
