"""Where one modality's bytes live: a whole file, or a byte range inside a tar (read in place, never extracted).

A Blob holds a location, never an open handle, so sources stay picklable and a worker opens files only while it
reads them.
"""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Iterator

from siqa.dataset.decode import guard
from siqa.dataset.errors import ReadError


class Window(io.RawIOBase):
    """A read-only, seekable view of `size` bytes at `offset` in a file: a tar member without extraction."""

    def __init__(self, handle: IO[bytes], offset: int, size: int) -> None:
        self._file = handle
        self._offset, self._size, self._pos = offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = max(0, min(len(buffer), self._size - self._pos))
        if n == 0:
            return 0
        self._file.seek(self._offset + self._pos)
        data = self._file.read(n)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


@dataclass(frozen=True)
class Blob:
    display: str  # path relative to the dataset root, `archive.tar:member` for a tar member
    file: str  # absolute path of the file that holds the bytes
    offset: int = 0
    size: int = -1  # -1: the whole file

    @contextmanager
    def open(self, kind: str) -> Iterator[IO[bytes]]:
        """A seekable binary handle on exactly these bytes; an OS failure becomes ReadError(kind)."""
        with guard(self.display, kind), open(self.file, "rb") as handle:
            if self.size < 0:
                yield handle
            else:
                with io.BufferedReader(Window(handle, self.offset, self.size)) as window:
                    yield window

    def read(self, kind: str, limit: int) -> bytes:
        """All the bytes, refusing more than `limit` without reading past it."""
        with self.open(kind) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ReadError(self.display, kind, f"over the {limit}-byte limit")
        return data

    def digest(self, kind: str) -> str:
        """Changes when the bytes may have changed: the holding file's size and mtime, and the member's range."""
        with guard(self.display, kind):
            stat = os.stat(self.file)
        return f"{stat.st_size}:{stat.st_mtime_ns}:{self.offset}:{self.size}"
