"""Patching members of a WebDataset tar without extracting anything: a new tar is streamed from the old one.

Every byte outside the patched members is copied verbatim (other members' headers and data, extended headers,
the end-of-archive blocks), and members keep their order. A patched member keeps its header block except for the
size and checksum fields, so its name, mode, owner and mtime stay as they were. When a name appears twice, the
first copy is the target, as it is the copy the reader audits.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from siqa.patches.files import Sink, open_file
from siqa.patches.ops import PatchError

BLOCK = tarfile.BLOCKSIZE
_CHUNK = 1 << 20
_SIZE_FIELD = slice(124, 136)
_CHECKSUM_FIELD = slice(148, 156)


@dataclass(frozen=True)
class Member:
    name: str
    start: int  # first byte of its headers (extended headers included)
    data: int  # first byte of its data
    size: int
    pax_size: bool  # a pax record carries the size: the plain header's size field would be ignored

    @property
    def end(self) -> int:
        return self.data + -(-self.size // BLOCK) * BLOCK


def members(path: Path, names: set[str]) -> dict[str, Member]:
    """The first regular member of each wanted name, from headers only (data is skipped, never read)."""
    found: dict[str, Member] = {}
    try:
        with tarfile.open(path, mode="r:") as archive:
            while (info := archive.next()) is not None:
                if info.name in names and info.name not in found and info.isreg():
                    found[info.name] = Member(info.name, info.offset, info.offset_data, info.size,
                                              "size" in info.pax_headers)
    except (tarfile.TarError, EOFError) as error:
        raise PatchError(f"unreadable tar: {error}") from None
    return found


def read_member(path: Path, member: Member, limit: int) -> bytes:
    """A member's data, refused unread when its size is over `limit` (the reader's `json_bytes`)."""
    if member.size > limit:
        raise PatchError(f"{member.name}: {member.size} bytes, over the {limit}-byte limit; not read")
    with open_file(path) as handle:
        handle.seek(member.data)
        data = handle.read(member.size)
    if len(data) != member.size:
        raise PatchError(f"{member.name}: truncated member")
    return data


def _header(block: bytes, size: int) -> bytes:
    """The header block with a new size field and checksum."""
    if size >= 8**11:
        raise PatchError("a patched member over 8 GiB")
    header = bytearray(block)
    header[_SIZE_FIELD] = b"%011o\0" % size
    header[_CHECKSUM_FIELD] = b" " * 8
    header[_CHECKSUM_FIELD] = b"%06o\0 " % sum(header)
    return bytes(header)


def _copy(source: BinaryIO, sink: Sink, count: int | None) -> None:
    while count is None or count > 0:
        chunk = source.read(_CHUNK if count is None else min(_CHUNK, count))
        if not chunk:
            if count:
                raise PatchError("tar ended early while copying")
            return
        sink.write(chunk)
        if count is not None:
            count -= len(chunk)


def rewrite(path: Path, replacements: dict[str, bytes], sink: Sink) -> None:
    """Stream `path` to `sink` with the named members' data replaced."""
    found = members(path, set(replacements))
    missing = set(replacements) - set(found)
    if missing:
        raise PatchError(f"no member {', '.join(sorted(missing))}")
    with open(path, "rb") as source:
        for member in sorted(found.values(), key=lambda m: m.start):
            if member.pax_size:
                raise PatchError(f"{member.name}: its size is in a pax record; not supported")
            _copy(source, sink, member.data - BLOCK - source.tell())
            data = replacements[member.name]
            sink.write(_header(source.read(BLOCK), len(data)))
            sink.write(data + b"\0" * (-len(data) % BLOCK))
            source.seek(member.end)
        _copy(source, sink, None)
