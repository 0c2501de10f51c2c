"""Extracted batches: `<label>/<split>/<batch>/<archive>/<file_id>.{wav,mp4,json,npz}`."""

from __future__ import annotations

from pathlib import Path

from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.dataset.ids import FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.listing import IndexProblem, Listing, archives, id_in, relative, scan
from siqa.dataset.layouts.sources import FileSource


def index_extracted(root: Path, batch_dir: Path,
                    limits: Limits = DEFAULT_LIMITS) -> tuple[dict[FileId, FileSource], list[IndexProblem]]:
    """Every `<file_id>.<ext>` in the batch's archive folders; links, folders and devices are skipped."""
    listing = Listing()
    for archive in archives(root, batch_dir, listing.problems, tars=False):
        container = relative(root, archive.path)
        for entry in scan(root, Path(archive.path), listing.problems):
            display = relative(root, entry.path)
            if entry.is_file(follow_symlinks=False):
                listing.add(entry.name, Blob(display, entry.path), container)
            else:
                listing.problems.append(IndexProblem(display, "archive", "not a regular file (link, folder or "
                                                     "device): skipped", id_in(entry.name)))
    return listing.sources(limits), listing.problems
