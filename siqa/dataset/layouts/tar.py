"""WebDataset tars: `<label>/<split>/<batch>/<archive>.tar`, members `<file_id>.<ext>`.

Indexing reads member headers only (tarfile seeks past the data); members are later read in place through a
byte window. Nothing is ever extracted, so a hostile member name cannot write anywhere: unsafe members (absolute
paths, `..`, links, devices, folders) are reported and skipped. A truncated or corrupt tar keeps the members
indexed before the damage.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path, PurePosixPath

from siqa.dataset.ids import FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.listing import IndexProblem, Listing
from siqa.dataset.layouts.sources import FileSource


def _unsafe(member: tarfile.TarInfo) -> str | None:
    name = PurePosixPath(member.name)
    if name.is_absolute():
        return "absolute member path"
    if ".." in name.parts:
        return "member path escapes the archive ('..')"
    if not member.isreg():
        return "not a regular file (link, folder or device)"
    if len(name.parts) != 1:
        return "member inside a folder (expected <file_id>.<ext>)"
    return None


def index_tar(root: Path, tar_path: Path, listing: Listing) -> None:
    display = tar_path.relative_to(root).as_posix()
    size = os.path.getsize(tar_path)
    try:
        with tarfile.open(tar_path, mode="r:") as archive:
            while True:
                member = archive.next()
                if member is None:
                    break
                where = f"{display}:{member.name}"
                reason = _unsafe(member)
                if reason is None and member.offset_data + member.size > size:
                    reason = f"truncated: member needs {member.offset_data + member.size} bytes, archive has {size}"
                if reason is not None:
                    listing.problems.append(IndexProblem(where, "archive", f"{reason}: skipped",
                                                         _id_in(member.name)))
                    continue
                listing.add(member.name, Blob(where, str(tar_path), member.offset_data, member.size))
    except (tarfile.TarError, EOFError, OSError) as error:
        listing.problems.append(IndexProblem(display, "archive", f"truncated or corrupt tar: {error}"))


def _id_in(name: str) -> str | None:
    fid = FileId.search(name)
    return str(fid) if fid else None


def index_tars(root: Path, batch_dir: Path) -> tuple[dict[FileId, FileSource], list[IndexProblem]]:
    listing = Listing()
    for tar_path in sorted(batch_dir.glob("*.tar")):
        index_tar(root, tar_path, listing)
    return listing.sources(), listing.problems
