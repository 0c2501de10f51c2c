"""What an indexer finds: participant files by id, and the problems met on the way (never exceptions).

Indexers read names and headers only, so a batch of any size indexes quickly and a broken file is found when a
rule reads it, not here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.dataset.ids import BadFileId, FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.sources import FileSource
from siqa.dataset.schema import MODALITIES


@dataclass(frozen=True)
class IndexProblem:
    """Something in a batch that is not a readable participant file; `path` is relative to the dataset root.

    kind: "archive" (corrupt or truncated tar, unsafe or duplicate tar member, unreadable folder, an entry that is
    not a regular file),
    "file_id" (a name that is not `<file_id>.<ext>`), "duplicate" (one file id in two archives or folders),
    "filelist" (per-modality tree: batch membership unknown, or a listed id with no file).
    """

    path: str
    kind: str
    reason: str
    file_id: str | None = None


def relative(root: Path, path: Path | str) -> str:
    """The display form of a path: relative to the dataset root, forward slashes."""
    return Path(path).relative_to(root).as_posix()


def scan(root: Path, folder: Path, problems: list[IndexProblem]) -> list[os.DirEntry[str]]:
    """The entries of a folder sorted by name; an unreadable folder is a problem and lists as empty."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as error:
        problems.append(IndexProblem(relative(root, folder), "archive",
                                     f"unreadable folder: {error.strerror or error}"))
        return []


def archives(root: Path, batch_dir: Path, problems: list[IndexProblem], tars: bool) -> list[os.DirEntry[str]]:
    """The batch's archives: `*.tar` regular files, or folders. A link (or a FIFO, device or folder named `.tar`)
    in an archive's place is reported and skipped, as links are inside archives. Other entries (checksums, notes,
    siqa's own `ground_truth.jsonl` in synthetic batches) are not part of the release layout and are left alone."""
    entries = scan(root, batch_dir, problems)
    if tars:
        candidates = [e for e in entries if e.name.endswith(".tar")]
        found = [e for e in candidates if e.is_file(follow_symlinks=False)]
        what = "not a regular file (link, folder, FIFO or device) in a tar's place"
    else:
        candidates = [e for e in entries if e.is_dir()]
        found = [e for e in candidates if e.is_dir(follow_symlinks=False)]
        what = "a symbolic link in an archive folder's place"
    problems += [IndexProblem(relative(root, e.path), "archive", f"{what}: skipped")
                 for e in candidates if e not in found]
    return found


def id_in(name: str) -> str | None:
    """The file id inside a damaged or unsafe name, so the problem can be scoped to that file."""
    fid = FileId.search(name)
    return str(fid) if fid else None


@dataclass
class Listing:
    """Blobs per file id and modality, for the layouts that keep one blob per `<file_id>.<ext>`."""

    blobs: dict[FileId, dict[str, Blob]] = field(default_factory=dict)
    problems: list[IndexProblem] = field(default_factory=list)
    _containers: dict[FileId, str] = field(default_factory=dict)  # where each id was first seen
    _reported: set[tuple[FileId, str]] = field(default_factory=set)

    def add(self, name: str, blob: Blob, container: str) -> None:
        """Add `name` (`<file_id>.<ext>`) found in `container` (archive folder or tar); bad names and second
        copies become problems, and the first copy is the one audited."""
        stem, _, ext = name.rpartition(".")
        if ext not in MODALITIES:
            self.problems.append(IndexProblem(blob.display, "file_id",
                                              f"unexpected file type {ext!r} (expected {', '.join(MODALITIES)})",
                                              id_in(name)))
            return
        try:
            fid = FileId.parse(stem)
        except BadFileId as error:
            self.problems.append(IndexProblem(blob.display, "file_id", str(error), id_in(name)))
            return
        first_container = self._containers.setdefault(fid, container)
        if first_container != container:
            if (fid, container) not in self._reported:  # one problem per copy of a file, not per modality
                self._reported.add((fid, container))
                self.problems.append(IndexProblem(blob.display.rsplit(".", 1)[0], "duplicate",
                                                  f"{fid} is also in {first_container}; auditing that copy",
                                                  str(fid)))
        elif ext in self.blobs.setdefault(fid, {}):
            self.problems.append(IndexProblem(blob.display, "archive", "duplicate member (extracting the tar "
                                              "would silently keep the last copy); auditing the first", str(fid)))
        else:
            self.blobs[fid][ext] = blob

    def sources(self, limits: Limits = DEFAULT_LIMITS) -> dict[FileId, FileSource]:
        """One source per file id; absent modalities are named after the id's first blob's location."""
        return {fid: FileSource(next(iter(blobs.values())).display.rsplit(".", 1)[0], blobs, limits)
                for fid, blobs in self.blobs.items()}
