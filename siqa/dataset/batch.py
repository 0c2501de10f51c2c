"""Resolving `--batch dev/0000` under a root to batch indexes (one per label), with the layout detected."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from siqa.dataset.errors import DatasetNotFound, TableError
from siqa.dataset.ids import FileId
from siqa.dataset.layouts.extracted import index_extracted
from siqa.dataset.layouts.listing import IndexProblem
from siqa.dataset.layouts.modality import index_modality, is_modality_tree
from siqa.dataset.layouts.tar import index_tars
from siqa.dataset.tables import load_table
from siqa.dataset.units import Interaction, ParticipantFile, ParticipantSource, Session

DEFAULT_ROOT = Path("~/datasets/seamless_interaction")
LABELS = ("improvised", "naturalistic")
HOW_TO_GET_DATA = ("Get data with the dataset's official downloader (its default root is "
                   "~/datasets/seamless_interaction), or make a synthetic batch: "
                   "`siqa synth --out DIR` then `siqa audit --root DIR --batch dev/0000`.")


@dataclass
class BatchIndex:
    root: Path
    label: str
    split: str
    batch: str
    layout: str
    sessions: list[Session] = field(default_factory=list)
    problems: list[IndexProblem] = field(default_factory=list)

    def participant_files(self) -> Iterator[ParticipantFile]:
        for session in self.sessions:
            for interaction in session.interactions:
                yield from interaction.participants

    @property
    def name(self) -> str:
        return f"{self.label}/{self.split}/{self.batch}"


def resolve_root(root: Path | None) -> Path:
    return (root or Path(os.environ.get("SIQA_ROOT") or DEFAULT_ROOT)).expanduser()


def parse_spec(spec: str) -> tuple[str, str]:
    match = re.fullmatch(r"([A-Za-z0-9_-]+)/(\d{1,6})", spec.strip())
    if match is None:
        raise DatasetNotFound(f"bad batch {spec!r}: expected <split>/<batch>, e.g. dev/0000")
    return match.group(1), f"{int(match.group(2)):04d}"


def group_sessions(sources: dict[FileId, ParticipantSource], label: str, split: str, batch: str) -> list[Session]:
    """Sessions sorted by key, interactions by key, participants by file id (partners may sit in different archives)."""
    by_session: dict[str, dict[str, list[ParticipantFile]]] = defaultdict(lambda: defaultdict(list))
    for fid in sorted(sources):
        by_session[fid.session_key][fid.interaction_key].append(ParticipantFile(fid, sources[fid], label, split, batch))
    return [Session(key, [Interaction(k, files) for k, files in sorted(interactions.items())])
            for key, interactions in sorted(by_session.items())]


def _modality_batch(root: Path, split_dir: Path, label: str, split: str, batch: str) -> tuple[dict, list]:
    filelist_path = root / "filelist.csv"
    if not filelist_path.exists():
        if batch != "0000":
            raise DatasetNotFound(f"{split_dir} is a per-modality tree without {filelist_path}: only batch 0000 "
                                  "(the whole split) can be audited")
        return index_modality(root, split_dir, lambda fid: True)
    try:
        table = load_table(filelist_path, "filelist")
    except TableError as error:
        raise DatasetNotFound(str(error)) from None
    rows = table[(table["label"] == label) & (table["split"] == split)]
    members = {r for r, b in zip(rows["file_id"], rows["batch_idx"]) if b.isdigit() and int(b) == int(batch)}
    if not members:
        raise DatasetNotFound(f"{filelist_path} lists no file of {label}/{split} in batch {batch}")
    return index_modality(root, split_dir, lambda fid: str(fid) in members)


def open_batch(root: Path, label: str, split: str, batch: str) -> BatchIndex | None:
    """The batch of one label, or None when this label has no such batch in any layout."""
    split_dir = root / label / split
    batch_dir = split_dir / batch
    if batch_dir.is_dir():
        has_tars = any(batch_dir.glob("*.tar"))
        layout = "tar" if has_tars else "extracted"
        sources, problems = (index_tars if has_tars else index_extracted)(root, batch_dir)
    elif split_dir.is_dir() and is_modality_tree(split_dir):
        layout = "modality"
        sources, problems = _modality_batch(root, split_dir, label, split, batch)
    else:
        return None
    return BatchIndex(root, label, split, batch, layout, group_sessions(sources, label, split, batch), problems)


def open_batches(root: Path | None, spec: str, label: str | None = None) -> list[BatchIndex]:
    """Every label's copy of `<split>/<batch>` under the root (or only `label`)."""
    root = resolve_root(root)
    split, batch = parse_spec(spec)
    if not root.is_dir():
        raise DatasetNotFound(f"dataset root {root} does not exist (from --root, else $SIQA_ROOT, else "
                              f"{DEFAULT_ROOT}). {HOW_TO_GET_DATA}")
    labels = [label] if label else sorted({*LABELS, *(p.name for p in root.iterdir() if p.is_dir())})
    found = [index for name in labels if (index := open_batch(root, name, split, batch)) is not None]
    if not found:
        tried = ", ".join(str(root / name / split / batch) for name in labels)
        raise DatasetNotFound(f"batch {split}/{batch} not found under {root}; looked in: {tried} "
                              f"(and for per-modality trees in {root}/<label>/{split}/). {HOW_TO_GET_DATA}")
    return found
