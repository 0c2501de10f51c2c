"""The backup folder of `apply` and `revert`: original bytes, and a manifest of what each patched file holds.

    <backup>/manifest.json         {"version": 1, "files": {"<path>": {"original_sha256", "backups", "states"}}}
    <backup>/files/<path>           the original bytes of each file patched in place

`backups` lists where a file's original bytes can be read: a copy under `files/` (in place), or the untouched
source file (when apply wrote a copy with --out). `states` maps every patched hash apply has written for the file
to the fix ids it holds, so a later apply knows what is already in a file, and revert knows a file is one of
ours. The manifest is written before any file is replaced, so after a kill every file on disk is either its
original or a state the manifest knows. One apply or revert at a time holds the folder's lock.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from siqa.patches.files import remove_stale_temps, sha256_file
from siqa.patches.targets import check_relative
from siqa.reports.outputs import write_json

MANIFEST = "manifest.json"
LOCK = ".lock"
VERSION = 1


class BackupError(Exception):
    """A backup folder that cannot be used (unreadable manifest, held by another process)."""


@dataclass
class Entry:
    original_sha256: str
    backups: list[str] = field(default_factory=list)
    states: dict[str, list[str]] = field(default_factory=dict)


class Manifest:
    def __init__(self, folder: Path, entries: dict[str, Entry]) -> None:
        self.folder = folder
        self.entries = entries

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.exists():
            return cls(folder, {})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            entries = {check_relative(name): Entry(e["original_sha256"], list(e["backups"]), dict(e["states"]))
                       for name, e in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"{path}: unreadable manifest: {error}") from None
        return cls(folder, entries)

    def save(self) -> None:
        files = {name: {"original_sha256": e.original_sha256, "backups": e.backups, "states": e.states}
                 for name, e in sorted(self.entries.items())}
        write_json(self.folder / MANIFEST, {"version": VERSION, "files": files})

    def copy_path(self, name: str) -> Path:
        """Where an in-place apply keeps the original bytes of `name`."""
        return self.folder / "files" / check_relative(name)

    def _located(self, backup: str) -> Path:
        return Path(backup) if os.path.isabs(backup) else self.folder / check_relative(backup)

    def original_copy(self, name: str, sha256: str) -> Path | None:
        """A recorded backup of `name` whose bytes hash to `sha256` (its original), or None."""
        entry = self.entries.get(name)
        for backup in entry.backups if entry else []:
            path = self._located(backup)
            if path.is_file() and not path.is_symlink() and sha256_file(path) == sha256:
                return path
        return None

    def record(self, name: str, original: str, backup: Path, patched: str, fixes: list[str]) -> None:
        entry = self.entries.get(name)
        if entry is None or entry.original_sha256 != original:
            entry = self.entries[name] = Entry(original)
        relative = backup.relative_to(self.folder).as_posix() if backup.is_relative_to(self.folder) else str(backup)
        if relative not in entry.backups:
            entry.backups.append(relative)
        entry.states[patched] = sorted(fixes)


@contextmanager
def locked_manifest(folder: Path, create: bool = True) -> Iterator[Manifest]:
    """The folder's manifest, held under its lock for the whole apply or revert. With `create` false (a dry run)
    a missing folder reads as an empty manifest and nothing is created."""
    if not create and not folder.is_dir():
        yield Manifest(folder, {})
        return
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise BackupError(f"another siqa apply or revert is using {folder}") from None
    try:
        remove_stale_temps(folder / MANIFEST)
        yield Manifest.load(folder)
    finally:
        lock.release()


def is_inside(path: Path, root: Path) -> bool:
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(path)]) == real_root


def default_folder(patches: Path, name: str, root: Path, option: str) -> Path:
    """`<patches dir>/<name>`, the default backup and output folder; refused inside the dataset root, where it
    would silently add files to the dataset (`option` is the flag that chooses it explicitly)."""
    folder = patches.parent / name
    if is_inside(folder, root):
        raise BackupError(f"the default {folder} is inside the dataset root {root}; choose a folder with {option}")
    return folder
