"""What an indexer finds: participant files by id, and the problems met on the way (never exceptions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from siqa.dataset.ids import BadFileId, FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.sources import FileSource
from siqa.dataset.schema import MODALITIES


@dataclass(frozen=True)
class IndexProblem:
    """kind: "archive" (corrupt tar, unsafe member), "file_id" (bad name), "duplicate", "filelist"."""

    path: str
    kind: str
    reason: str
    file_id: str | None = None


@dataclass
class Listing:
    """Blobs per file id and modality, for the layouts that keep one blob per `<file_id>.<ext>`."""

    blobs: dict[FileId, dict[str, Blob]] = field(default_factory=dict)
    problems: list[IndexProblem] = field(default_factory=list)
    _duplicates: set[tuple[FileId, str]] = field(default_factory=set)

    def add(self, name: str, blob: Blob) -> None:
        """Add a member named `<file_id>.<ext>`; bad names and second copies become problems."""
        stem, _, ext = name.rpartition(".")
        if ext not in MODALITIES:
            self.problems.append(IndexProblem(blob.display, "file_id", f"unexpected file type {ext!r}"))
            return
        try:
            fid = FileId.parse(stem)
        except BadFileId as error:
            self.problems.append(IndexProblem(blob.display, "file_id", str(error)))
            return
        existing = self.blobs.setdefault(fid, {}).get(ext)
        if existing is not None:
            container = blob.display.rsplit("/", 1)[0].split(":", 1)[0]
            if (fid, container) not in self._duplicates:  # one problem per copy of a file, not per modality
                self._duplicates.add((fid, container))
                self.problems.append(IndexProblem(blob.display.rsplit(".", 1)[0], "duplicate",
                                                  f"{fid} is also at {existing.display.rsplit('.', 1)[0]}; "
                                                  "auditing the first copy", str(fid)))
            return
        self.blobs[fid][ext] = blob

    def sources(self) -> dict[FileId, FileSource]:
        """One source per file id; absent modalities are named after the id's first blob's location."""
        return {fid: FileSource(next(iter(blobs.values())).display.rsplit(".", 1)[0], blobs)
                for fid, blobs in self.blobs.items()}
