"""Per-modality tree: `<label>/<split>/audio/<id>.wav`, `video/<id>.mp4`, `<group>/<feature>/<id>.npy`,
`metadata/<transcript|vad>/<id>.jsonl`, `annotations/<type>/<id>.json`.

The tree has no batch folders: a batch is the set of ids `filelist.csv` assigns to it. Without a usable file list
the whole split is batch 0000, and the index says so (an IndexProblem of kind "filelist").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.dataset.errors import DatasetNotFound, TableError
from siqa.dataset.ids import BadFileId, FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.listing import IndexProblem, id_in, relative, scan
from siqa.dataset.layouts.sources import ModalitySource
from siqa.dataset.tables import load_table

FEATURE_GROUPS = ("smplh", "boxes_and_keypoints", "movement")
TOP_FOLDERS = ("audio", "video", "metadata", "annotations", *FEATURE_GROUPS)
FILELIST = "filelist.csv"


def is_modality_tree(split_dir: Path) -> bool:
    return any((split_dir / name).is_dir() for name in TOP_FOLDERS)


def _subfolders(root: Path, folder: Path, problems: list[IndexProblem]) -> list[str]:
    if not folder.is_dir():
        return []
    return [entry.name for entry in scan(root, folder, problems) if entry.is_dir(follow_symlinks=False)]


def _leaf_files(root: Path, folder: Path, suffix: str, problems: list[IndexProblem]) -> Iterator[tuple[FileId, Blob]]:
    """(id, blob) for each `<id><suffix>` of a modality folder; other entries are reported."""
    if not folder.is_dir():
        return
    for entry in scan(root, folder, problems):
        display = relative(root, entry.path)
        if not entry.is_file(follow_symlinks=False):
            problems.append(IndexProblem(display, "archive", "not a regular file (link, folder or device): skipped",
                                         id_in(entry.name)))
        elif not entry.name.endswith(suffix):
            problems.append(IndexProblem(display, "file_id", f"unexpected file type (expected {suffix} here)",
                                         id_in(entry.name)))
        else:
            try:
                yield FileId.parse(entry.name[: -len(suffix)]), Blob(display, entry.path)
            except BadFileId as error:
                problems.append(IndexProblem(display, "file_id", str(error), id_in(entry.name)))


def index_modality(root: Path, split_dir: Path, members: Collection[str] | None,
                   limits: Limits = DEFAULT_LIMITS) -> tuple[dict[FileId, ModalitySource], list[IndexProblem]]:
    """Sources for the ids in `members` (every id when None), gathered across the modality folders."""
    parts: dict[FileId, dict[str, Any]] = defaultdict(lambda: {"annotations": {}, "features": {}})
    problems: list[IndexProblem] = []

    def gather(folder: Path, suffix: str, slot: str, key: str | None = None) -> None:
        for fid, blob in _leaf_files(root, folder, suffix, problems):
            if members is None or str(fid) in members:
                if key is None:
                    parts[fid][slot] = blob
                else:
                    parts[fid][slot][key] = blob

    gather(split_dir / "audio", ".wav", "wav")
    gather(split_dir / "video", ".mp4", "mp4")
    for name in ("transcript", "vad"):
        gather(split_dir / "metadata" / name, ".jsonl", name)
    for kind in _subfolders(root, split_dir / "annotations", problems):
        gather(split_dir / "annotations" / kind, ".json", "annotations", kind)
    for group in FEATURE_GROUPS:
        for feature in _subfolders(root, split_dir / group, problems):
            gather(split_dir / group / feature, ".npy", "features", f"{group}:{feature}")
    prefix = relative(root, split_dir)
    return {fid: ModalitySource(str(fid), prefix, limits=limits, **p) for fid, p in parts.items()}, problems


def batch_members(root: Path, label: str, split: str, batch: str,
                  limits: Limits = DEFAULT_LIMITS) -> tuple[set[str] | None, list[IndexProblem]]:
    """The ids of the batch per `filelist.csv`, or None (the whole split) with a problem saying why.

    Raises DatasetNotFound when the file list has no such batch, or when there is none and the batch is not 0000.
    """
    path = root / FILELIST
    if path.exists() or path.is_symlink():  # anything in its place is read, or reported as unusable
        try:
            table = load_table(path, "filelist", limits=limits)
        except TableError as error:
            why = f"{FILELIST} is unusable ({error})"
        else:
            rows = table[(table["label"] == label) & (table["split"] == split)]
            members = {fid for fid, index in zip(rows["file_id"], rows["batch_idx"])
                       if index.strip().isdigit() and int(index) == int(batch)}
            if not members:
                raise DatasetNotFound(f"{path} lists no file of {label}/{split} in batch {batch}")
            return members, []
    else:
        why = f"there is no {FILELIST} at the dataset root"
    if int(batch) != 0:
        raise DatasetNotFound(f"{root / label / split} is a per-modality tree and {why}: only batch 0000 "
                              "(the whole split) can be audited")
    return None, [IndexProblem(FILELIST, "filelist", f"{why}: the whole of {label}/{split} is audited as batch 0000")]


def index_modality_batch(root: Path, label: str, split: str, batch: str,
                         limits: Limits = DEFAULT_LIMITS) -> tuple[dict[FileId, ModalitySource], list[IndexProblem]]:
    """One batch of a per-modality tree; ids the file list assigns to it but the tree lacks are problems."""
    members, problems = batch_members(root, label, split, batch, limits)
    sources, found = index_modality(root, root / label / split, members, limits)
    present = {str(fid) for fid in sources}
    absent = sorted(set(members or ()) - present)
    problems += [IndexProblem(FILELIST, "filelist", f"{fid} is listed for {label}/{split} batch {batch} but no "
                                                    f"file of it is in {label}/{split}", fid) for fid in absent]
    return sources, problems + found
