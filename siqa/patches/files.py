"""Hashing and atomic replacement of files: every byte patches write goes through `write_atomically`.

A file is written to a temporary name beside it (`reports.outputs.atomic_writer`: `.<name>.<pid>.tmp`), fsynced,
hash-checked, and renamed over the target, then the folder is fsynced; so a kill leaves the old file or the new one,
never a mix. A kill can leave the temporary file behind; the next apply or revert of that file removes it.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Callable, Protocol

from siqa.reports.outputs import atomic_writer

_CHUNK = 1 << 20


class Sink(Protocol):
    """Where rendered bytes go: a file being written, or only a hash."""

    def write(self, data: bytes, /) -> int: ...


class ContentChanged(Exception):
    """Bytes that do not hash to what the plan computed (a file changed under us, or a corrupt backup)."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
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
        with open(source, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                sink.write(chunk)
    return produce


def remove_stale_temps(path: Path) -> None:
    """Remove what a killed write of `path` left beside it (a reader would list it as a stray dataset file)."""
    if not path.parent.is_dir():
        return
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.\d+\.tmp$")
    for entry in os.scandir(path.parent):
        if pattern.match(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)


def write_atomically(path: Path, produce: Callable[[Sink], None], expected_sha256: str) -> None:
    """Replace `path` with what `produce` writes, only if it hashes to `expected_sha256` (else ContentChanged)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    with atomic_writer(path, "wb") as handle:
        writer = HashingWriter(handle)
        produce(writer)
        if writer.hexdigest() != expected_sha256:
            raise ContentChanged(f"{path}: new content hashes to {writer.hexdigest()}, expected {expected_sha256}")
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
