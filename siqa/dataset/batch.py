"""Resolving `--batch dev/0000` under a root to batch indexes (one per label), with the layout detected.

An index holds locations only (no file contents are read to build it), so it is cheap for a 50 GB batch and
small enough to send to workers.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.dataset.errors import DatasetNotFound
from siqa.dataset.ids import FileId
from siqa.dataset.layouts import detect_layout
from siqa.dataset.layouts.extracted import index_extracted
from siqa.dataset.layouts.listing import IndexProblem
from siqa.dataset.layouts.modality import index_modality_batch
from siqa.dataset.layouts.tar import index_tars
from siqa.dataset.units import Interaction, ParticipantFile, ParticipantSource, Session

ROOT_ENV = "SIQA_ROOT"
DEFAULT_ROOT = Path("~/datasets/seamless_interaction")
LABELS = ("improvised", "naturalistic")
HOW_TO_GET_DATA = ("Get data with the dataset's official downloader (its default root is "
                   "~/datasets/seamless_interaction), or make a synthetic batch: "
                   "`siqa synth --out DIR` then `siqa audit --root DIR --batch dev/0000`.")


@dataclass
class BatchIndex:
    """One label's batch: sessions sorted by key, their interactions by key, participants by file id."""

    root: Path
    label: str
    split: str
    batch: str  # four digits
    layout: str  # "extracted", "tar" or "modality"
    sessions: list[Session] = field(default_factory=list)
    problems: list[IndexProblem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.label}/{self.split}/{self.batch}"

    def interactions(self) -> Iterator[Interaction]:
        for session in self.sessions:
            yield from session.interactions

    def participant_files(self) -> Iterator[ParticipantFile]:
        for interaction in self.interactions():
            yield from interaction.participants

    def counts(self) -> dict[str, int]:
        return {"sessions": len(self.sessions), "interactions": sum(1 for _ in self.interactions()),
                "participant_files": sum(1 for _ in self.participant_files()), "problems": len(self.problems)}


def resolve_root(root: Path | None) -> tuple[Path, str]:
    """The dataset root and where it came from (for messages): `root`, else $SIQA_ROOT, else the default."""
    if root is not None:
        return Path(root).expanduser(), "--root"
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).expanduser(), f"${ROOT_ENV}"
    return DEFAULT_ROOT.expanduser(), "the official downloader's default root"


def parse_spec(spec: str) -> tuple[str, str]:
    """`dev/0000` or `dev/0` -> ("dev", "0000")."""
    match = re.fullmatch(r"([A-Za-z0-9_-]+)/(\d{1,6})", spec.strip())
    if match is None:
        raise DatasetNotFound(f"bad batch {spec!r}: expected <split>/<batch>, e.g. dev/0000")
    return match.group(1), f"{int(match.group(2)):04d}"


def group_sessions(sources: Mapping[FileId, ParticipantSource], label: str, split: str, batch: str) -> list[Session]:
    """Files grouped by interaction key across the whole batch (partners may sit in different archives)."""
    by_session: dict[str, dict[str, list[ParticipantFile]]] = defaultdict(lambda: defaultdict(list))
    for fid in sorted(sources):
        by_session[fid.session_key][fid.interaction_key].append(ParticipantFile(fid, sources[fid], label, split,
                                                                                batch))
    return [Session(key, [Interaction(k, files) for k, files in sorted(interactions.items())])
            for key, interactions in sorted(by_session.items())]


def open_batch(root: Path, label: str, split: str, batch: str, limits: Limits = DEFAULT_LIMITS) -> BatchIndex:
    """The batch of one label in whichever layout holds it; DatasetNotFound says where it looked."""
    split_dir, batch_dir = root / label / split, root / label / split / batch
    batch_layout = detect_layout(batch_dir)
    sources: Mapping[FileId, ParticipantSource]
    problems: list[IndexProblem]
    if batch_layout in ("extracted", "tar"):
        index = index_tars if batch_layout == "tar" else index_extracted
        layout, (sources, problems) = batch_layout, index(root, batch_dir, limits)
    elif detect_layout(split_dir) == "modality":
        layout, (sources, problems) = "modality", index_modality_batch(root, label, split, batch, limits)
    elif batch_dir.is_dir():
        raise DatasetNotFound(f"{batch_dir} holds neither .tar archives nor archive folders")
    else:
        raise DatasetNotFound(f"neither {batch_dir} nor a per-modality tree at {split_dir} (audio/, metadata/, ...)"
                              f"{_batches_present(split_dir)}")
    return BatchIndex(root, label, split, batch, layout, group_sessions(sources, label, split, batch), problems)


def _batches_present(split_dir: Path) -> str:
    try:
        present = sorted(p.name for p in split_dir.iterdir() if p.is_dir() and p.name.isdigit())
    except OSError:
        return ""
    return f" ({split_dir} holds batches {', '.join(present)})" if present else ""


def _labels(root: Path) -> list[str]:
    """The documented labels and any other folder at the root (a release may add labels)."""
    try:
        found = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    except OSError:
        found = set()
    return sorted({*LABELS, *found})


def open_batches(root: Path | None, spec: str, label: str | None = None,
                 limits: Limits = DEFAULT_LIMITS) -> list[BatchIndex]:
    """Every label's copy of `<split>/<batch>` under the root (or only `label`'s); DatasetNotFound when none."""
    root, origin = resolve_root(root)
    split, batch = parse_spec(spec)
    if not root.is_dir():
        raise DatasetNotFound(f"dataset root {root} (from {origin}) does not exist or is not a folder; siqa takes "
                              f"the root from --root, else ${ROOT_ENV}, else {DEFAULT_ROOT}. {HOW_TO_GET_DATA}")
    found, looked = [], []
    for name in [label] if label else _labels(root):
        try:
            found.append(open_batch(root, name, split, batch, limits))
        except DatasetNotFound as error:
            looked.append(str(error))
    if not found:
        raise DatasetNotFound(f"batch {split}/{batch} not found under {root} (from {origin}); looked for: "
                              f"{'; '.join(looked)}. {HOW_TO_GET_DATA}")
    return found
