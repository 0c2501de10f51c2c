"""Hashing and atomic replacement of files: every byte patches write goes through `write_atomically`.

A file is written to a temporary name beside it (`outputs.files.atomic_writer`: `.<name>.<random>.tmp`, created
new, never through a link), fsynced, hash-checked, and renamed over the target, then the folder is fsynced; so a
kill leaves the old file or the new one, never a mix. A kill can leave the temporary file behind; the next apply or
revert of that file removes it. Anything else at a temporary name (a link, a folder, a FIFO) was planted: the
write is refused. Files are read without following a link and only when regular (`open_regular`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from siqa.dataset.decode import open_regular
from siqa.outputs.files import UnsafeEntry, atomic_writer
from siqa.patches.ops import PatchError

_CHUNK = 1 << 20


class Sink(Protocol):
    """Where rendered bytes go: a file being written, or only a hash."""

    def write(self, data: bytes, /) -> int: ...


class ContentChanged(Exception):
    """Bytes that do not hash to what the plan computed (a file changed under us, or a corrupt backup)."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_file(path: Path) -> IO[bytes]:
    """`path` opened for reading when it is a regular file and not a link (`open_regular`); an OSError names it."""
    try:
        return open_regular(path)
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open_file(path) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class HashingWriter:
    """A write-only stream that hashes what passes through it, and forwards it to `sink` if there is one."""

    def __init__(self, sink: Sink | None = None) -> None:
        self._digest = hashlib.sha256()
        self._sink = sink

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        if self._sink is not None:
            self._sink.write(data)
        return len(data)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def copy_file(source: Path) -> Callable[[Sink], None]:
    """A producer for `write_atomically` that streams `source`."""
    def produce(sink: Sink) -> None:
        with open_file(source) as handle:
            while chunk := handle.read(_CHUNK):
                sink.write(chunk)
    return produce


def read_bounded(path: Path, limit: int, name: str) -> bytes:
    """The bytes of the regular file `path`, refused unread (PatchError naming `name` and `limit`) when its size
    is over `limit`, so a huge target is never read whole before its hash can be checked."""
    with open_file(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise PatchError(f"{name}: {size} bytes, over the {limit}-byte limit; not read")
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew since the fstat
        raise PatchError(f"{name}: over the {limit}-byte limit; not read")
    return data


def remove_stale_temps(path: Path) -> None:
    """Remove what a killed write of `path` left beside it (a reader would list it as a stray dataset file);
    UnsafeEntry when a link or other non-regular entry holds a temporary name."""
    if not path.parent.is_dir():
        return
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.[0-9a-f]+\.tmp$")
    for entry in os.scandir(path.parent):
        if not pattern.match(entry.name):
            continue
        if not entry.is_file(follow_symlinks=False):
            raise UnsafeEntry(f"{entry.path}: a link or other non-regular entry at a temporary name of "
                              f"{path.name}; refused (remove it after checking where it came from)")
        os.unlink(entry.path)


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """An OS error of the block names `path`: a failed write(2) or fsync (a full disk) carries no file name."""
    try:
        yield
    except OSError as error:
        if error.errno is None or error.filename is not None:  # a refusal, or an error that names its file
            raise
        raise OSError(error.errno, f"cannot write {path}: {error.strerror}") from None


def write_atomically(path: Path, produce: Callable[[Sink], None], expected_sha256: str) -> None:
    """Replace `path` with what `produce` writes, only if it hashes to `expected_sha256` (else ContentChanged)."""
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path)
        with atomic_writer(path, "wb") as handle:
            writer = HashingWriter(handle)
            produce(writer)
            if writer.hexdigest() != expected_sha256:
                raise ContentChanged(f"{path}: new content hashes to {writer.hexdigest()}, "
                                     f"expected {expected_sha256}")
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
