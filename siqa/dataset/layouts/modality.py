"""Per-modality tree: `<label>/<split>/audio/<id>.wav`, `video/<id>.mp4`, `<group>/<feature>/<id>.npy`,
`metadata/<transcript|vad>/<id>.jsonl`, `annotations/<type>/<id>.json`. Batch membership comes from filelist.csv."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

from siqa.dataset.ids import BadFileId, FileId
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.layouts.listing import IndexProblem
from siqa.dataset.layouts.sources import ModalitySource

FEATURE_GROUPS = ("smplh", "boxes_and_keypoints", "movement")


def _files(folder: Path, suffix: str) -> list[os.DirEntry]:
    if not folder.is_dir():
        return []
    return sorted((e for e in os.scandir(folder) if e.name.endswith(suffix) and e.is_file(follow_symlinks=False)),
                  key=lambda e: e.name)


def is_modality_tree(split_dir: Path) -> bool:
    return (split_dir / "audio").is_dir() or (split_dir / "metadata").is_dir()


def index_modality(root: Path, split_dir: Path,
                   wanted: Callable[[FileId], bool]) -> tuple[dict[FileId, ModalitySource], list[IndexProblem]]:
    """Sources for the ids `wanted` selects (the batch's ids per filelist.csv)."""
    prefix = split_dir.relative_to(root).as_posix()
    parts: dict[FileId, dict[str, Any]] = defaultdict(lambda: {"annotations": {}, "features": {}})
    problems: list[IndexProblem] = []

    def visit(folder: Path, suffix: str, place: Callable[[dict[str, Any], Blob], None]) -> None:
        for entry in _files(folder, suffix):
            display = Path(entry.path).relative_to(root).as_posix()
            try:
                fid = FileId.parse(entry.name[: -len(suffix)])
            except BadFileId as error:
                problems.append(IndexProblem(display, "file_id", str(error)))
                continue
            if wanted(fid):
                place(parts[fid], Blob(display, entry.path))

    visit(split_dir / "audio", ".wav", lambda p, b: p.__setitem__("wav", b))
    visit(split_dir / "video", ".mp4", lambda p, b: p.__setitem__("mp4", b))
    for name in ("transcript", "vad"):
        visit(split_dir / "metadata" / name, ".jsonl", lambda p, b, name=name: p.__setitem__(name, b))
    annotations = split_dir / "annotations"
    for kind in sorted(d.name for d in annotations.iterdir() if d.is_dir()) if annotations.is_dir() else []:
        visit(annotations / kind, ".json", lambda p, b, kind=kind: p["annotations"].__setitem__(kind, b))
    for group in FEATURE_GROUPS:
        group_dir = split_dir / group
        for feature in sorted(d.name for d in group_dir.iterdir() if d.is_dir()) if group_dir.is_dir() else []:
            visit(group_dir / feature, ".npy",
                  lambda p, b, key=f"{group}:{feature}": p["features"].__setitem__(key, b))
    return {fid: ModalitySource(str(fid), prefix, **p) for fid, p in parts.items()}, problems
