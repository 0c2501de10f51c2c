"""Where one modality's bytes live: a whole file, or a byte range inside a tar (read in place, never extracted)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import IO


class Window(io.RawIOBase):
    """A read-only, seekable view of `size` bytes at `offset` in a file: a tar member without extraction."""

    def __init__(self, path: str, offset: int, size: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
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

    def close(self) -> None:
        self._file.close()
        super().close()


@dataclass(frozen=True)
class Blob:
    display: str  # path relative to the dataset root, `archive.tar:member` for a tar member
    file: str  # absolute path of the file that holds the bytes
    offset: int = 0
    size: int = -1  # -1: the whole file

    @property
    def whole_file(self) -> bool:
        return self.size < 0

    def length(self) -> int:
        return os.path.getsize(self.file) if self.whole_file else self.size

    def open(self) -> IO[bytes]:
        if self.whole_file:
            return open(self.file, "rb")
        return io.BufferedReader(Window(self.file, self.offset, self.size))

    def read(self, limit: int) -> bytes:
        with self.open() as handle:
            data = handle.read(limit + 1)
        return data

    def digest(self) -> str:
        stat = os.stat(self.file)
        return f"{stat.st_size}:{stat.st_mtime_ns}:{self.offset}:{self.size}"
