"""Where one modality's bytes live: a whole file, or a byte range inside a tar (read in place, never extracted).

A Blob holds a location, never an open handle, so sources stay picklable and a worker opens files only while it
reads them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from blake3 import blake3

from siqa.dataset.decode import guard, open_regular
from siqa.dataset.errors import ReadError

HASH_CHUNK = 1 << 20
VIDEO_EDGE = 1 << 20  # bytes hashed at each end of a video
WINDOW_BUFFER = 1 << 20  # a tar member is read through Python: in large pieces (decoders ask for 8 KB at a time)
DIGEST_MEMO = 4096  # files whose digest a worker remembers
_DIGESTS: dict[tuple, str] = {}


def forget_digests() -> None:
    """Forget every file's digest: the next audit in this process hashes its files as a first one would (a
    benchmark repeating an audit measures it so)."""
    _DIGESTS.clear()


class Window(io.RawIOBase):
    """A read-only, seekable view of `size` bytes at `offset` in a file: a tar member without extraction."""

    def __init__(self, handle: io.BufferedReader, offset: int, size: int) -> None:
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
        got = self._file.readinto(memoryview(buffer)[:n])  # straight into the caller's buffer: no copy
        self._pos += got
        return got


@dataclass(frozen=True)
class Blob:
    display: str  # path relative to the dataset root, `archive.tar:member` for a tar member
    file: str  # absolute path of the file that holds the bytes
    offset: int = 0
    size: int = -1  # -1: the whole file

    @contextmanager
    def open(self, kind: str) -> Iterator[io.BufferedIOBase]:
        """A seekable binary handle on exactly these bytes; an OS failure becomes ReadError(kind)."""
        with guard(self.display, kind), open_regular(self.file) as handle:
            if self.size < 0:
                yield handle
            else:
                with io.BufferedReader(Window(handle, self.offset, self.size), WINDOW_BUFFER) as window:
                    yield window

    def read(self, kind: str, limit: int) -> bytes:
        """All the bytes, refusing more than `limit` without reading past it."""
        with self.open(kind) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ReadError(self.display, kind, f"over the {limit}-byte limit")
        return data

    def digest(self, kind: str) -> str:
        """A hash of the content the rules read: every byte, except for video, whose rules read only container
        facts (the head and tail hold the MP4 index, and the size changes with any re-encoding). Memoised per
        process by the file's identity and mtime, so each file is hashed once however many rules key on it."""
        with guard(self.display, kind):
            stat = os.stat(self.file)
        memo = (self.file, stat.st_ino, stat.st_size, stat.st_mtime_ns, self.offset, self.size, kind)
        if memo not in _DIGESTS:
            if len(_DIGESTS) > DIGEST_MEMO:
                _DIGESTS.clear()
            _DIGESTS[memo] = self._hash(kind)
        return _DIGESTS[memo]

    def _hash(self, kind: str) -> str:
        """BLAKE3 (one thread: a worker per core), several times faster than hashlib's BLAKE2 on large files."""
        hasher, buffer = blake3(), memoryview(bytearray(HASH_CHUNK))
        with self.open(kind) as handle:
            size = handle.seek(0, io.SEEK_END)
            hasher.update(size.to_bytes(8, "little"))
            ranges = ([(0, size)] if kind != "mp4" or size <= 2 * VIDEO_EDGE
                      else [(0, VIDEO_EDGE), (size - VIDEO_EDGE, size)])
            for start, stop in ranges:
                handle.seek(start)
                while start < stop:
                    got = handle.readinto(buffer[: min(HASH_CHUNK, stop - start)])
                    if not got:
                        break
                    hasher.update(buffer[:got])
                    start += got
        return hasher.hexdigest(length=16)
