"""WebDataset tars: `<label>/<split>/<batch>/<archive>.tar`, members `<file_id>.<ext>`.

Indexing reads member headers only (tarfile seeks past the data) and records each member's byte range; members
are later read in place through a byte window. Nothing is ever extracted, so a hostile member cannot write
anywhere: unsafe members (absolute paths, `..`, links, devices, folders, sparse files) are reported and skipped. A
truncated or corrupt tar is reported and keeps the members indexed before the damage, which stay readable.
"""

from __future__ import annotations

import tarfile
from pathlib import Path, PurePosixPath

from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.dataset.ids import FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.listing import IndexProblem, Listing, archives, id_in, relative
from siqa.dataset.layouts.sources import FileSource

BLOCK = tarfile.BLOCKSIZE
_TAR_ERRORS = (tarfile.TarError, EOFError, OSError, ValueError, UnicodeError)


def _unsafe(member: tarfile.TarInfo) -> str | None:
    """Why a member must not be read, or None for a plain `<name>` regular file."""
    name = PurePosixPath(member.name)
    if name.is_absolute():
        return "absolute member path"
    if ".." in name.parts:
        return "member path escapes the archive ('..')"
    if not member.isreg() or member.issparse():
        return "not a regular file (link, folder, device or sparse file)"
    if len(name.parts) != 1:
        return "member inside a folder (expected <file_id>.<ext>)"
    return None


def _end_problem(archive: tarfile.TarFile, size: int, last: str) -> str | None:
    """tarfile stops quietly at a truncated or garbled header after the first member; a tar that ends well
    has an all-zero end-of-archive block where the next header would be, so anything else is damage."""
    archive.fileobj.seek(archive.offset)
    block = archive.fileobj.read(BLOCK)
    if len(block) == BLOCK and not block.strip(b"\0"):
        return None
    what = ("ends without an end-of-archive block" if not block else "ends inside a header" if len(block) < BLOCK
            else "has an unreadable header")
    return f"truncated or corrupt tar: {what} at byte {archive.offset} of {size}, after member {last!r}"


def index_tar(root: Path, tar_path: Path, listing: Listing) -> None:
    display = relative(root, tar_path)
    last = "(none)"
    try:
        size = tar_path.stat().st_size
        with tarfile.open(tar_path, mode="r:") as archive:
            while (member := archive.next()) is not None:
                where = f"{display}:{member.name}"
                reason = _unsafe(member)
                if reason is None and member.offset_data + member.size > size:
                    reason = f"truncated: member needs {member.offset_data + member.size} bytes, archive has {size}"
                if reason is None:
                    blob = Blob(where, str(tar_path), member.offset_data, member.size)
                    listing.add(PurePosixPath(member.name).name, blob, display)
                else:
                    listing.problems.append(IndexProblem(where, "archive", f"{reason}: skipped", id_in(member.name)))
                last = member.name
            damage = _end_problem(archive, size, last)
    except _TAR_ERRORS as error:
        damage = f"truncated or corrupt tar after member {last!r}: {error}"
    if damage:
        listing.problems.append(IndexProblem(display, "archive", damage))


def index_tars(root: Path, batch_dir: Path,
               limits: Limits = DEFAULT_LIMITS) -> tuple[dict[FileId, FileSource], list[IndexProblem]]:
    """Every member of every `*.tar` of the batch, by header only."""
    listing = Listing()
    for entry in archives(root, batch_dir, listing.problems, tars=True):
        index_tar(root, Path(entry.path), listing)
    return listing.sources(limits), listing.problems
