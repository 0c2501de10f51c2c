"""Extracted batches: `<label>/<split>/<batch>/<archive>/<file_id>.{wav,mp4,json,npz}`."""

from __future__ import annotations

import os
from pathlib import Path

from siqa.dataset.ids import FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.listing import IndexProblem, Listing
from siqa.dataset.layouts.sources import FileSource


def index_extracted(root: Path, batch_dir: Path) -> tuple[dict[FileId, FileSource], list[IndexProblem]]:
    listing = Listing()
    for archive in sorted(p for p in batch_dir.iterdir() if p.is_dir()):
        try:
            entries = sorted(os.scandir(archive), key=lambda e: e.name)
        except OSError as error:
            listing.problems.append(IndexProblem(_rel(root, archive), "archive", f"unreadable folder: {error}"))
            continue
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                listing.add(entry.name, Blob(_rel(root, Path(entry.path)), entry.path))
            else:
                listing.problems.append(IndexProblem(_rel(root, Path(entry.path)), "archive",
                                                     "not a regular file (link, folder or device): skipped"))
    return listing.sources(), listing.problems


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()
