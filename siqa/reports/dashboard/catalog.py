"""Every interaction the report knows, flagged or clean, so each gets a page and can be searched.

Interactions come from the findings, from the dataset index when a root is given (with each file's size and
modification time: a page whose recordings changed is built again), and else from the units measuring rules
saw (`metrics.jsonl`), a lower bound.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from siqa.findings import Finding
from siqa.outputs.files import METRICS_JSONL
from siqa.reports.site_tables import dataset_sessions, measured_unit

Place = tuple[str, str, str]  # (batch, site, interaction key)
MODALITIES = ("wav", "json", "mp4")


@dataclass
class Entry:
    participants: set[str] = field(default_factory=set)  # "P0103"
    files: list[str] = field(default_factory=list)  # "path size mtime" of each recording behind the page

    @property
    def inputs(self) -> str:
        return hashlib.sha256("\n".join(sorted(self.files)).encode("utf-8")).hexdigest()[:16]


def participant(file_id: str) -> str:
    """The participant part of a file id, as the dataset writes it (`P0103`)."""
    return file_id.rsplit("_", 1)[-1]


def catalog(findings: Iterable[Finding], folders: Iterable[Path], batches: Iterable[str],
            root: Path | None) -> dict[Place, Entry]:
    entries: dict[Place, Entry] = {}
    for finding in findings:
        if finding.interaction_key:
            entry = entries.setdefault((finding.batch or "", finding.site, finding.interaction_key), Entry())
            if finding.file_id:
                entry.participants.add(participant(finding.file_id))
    if root is not None:
        for batch in batches:
            _from_dataset(root, batch, entries)
    else:
        for folder in folders:
            _from_metrics(folder / METRICS_JSONL, entries)
    return entries


def _from_dataset(root: Path, batch: str, entries: dict[Place, Entry]) -> None:
    for session in dataset_sessions(root, batch):
        for interaction in session.interactions:
            entry = entries.setdefault((batch, interaction.site, interaction.key), Entry())
            for pf in interaction.participants:
                entry.participants.add(participant(str(pf.file_id)))
                entry.files += [_identity(root, pf.path(m)) for m in MODALITIES if pf.has(m)]


def _identity(root: Path, display: str) -> str:
    """A file's path, size and modification time (a tar member: its archive's)."""
    path = root / display.split(":", 1)[0]
    try:
        stat = os.stat(path)
    except OSError:
        return display
    return f"{display} {stat.st_size} {stat.st_mtime_ns}"


def _from_metrics(path: Path, entries: dict[Place, Entry]) -> None:
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            file_id, key = measured_unit(record)
            if key:
                entry = entries.setdefault((str(record.get("batch", "")), str(record.get("site", "")), key),
                                           Entry())
                if file_id:
                    entry.participants.add(participant(str(file_id)))
