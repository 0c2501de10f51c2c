"""The backup folder of `apply` and `revert`: the bytes a file had before apply changed it, and a manifest of
every state apply wrote.

    <backup>/manifest.json            {"version": 1, "files": {"<path>": {"original_sha256", "backups", "states"}}}
    <backup>/files/<sha256>/<path>    a copy of the file as it was when it had that hash

Per file: `original_sha256` is the hash its history starts from; `backups` maps a hash to where a copy of bytes with
that hash is kept (under `files/`, also after `apply --out`); `states` maps every hash apply has written to the hash
it started from and the fix ids it added. So a later apply knows which fixes a file holds and
from which bytes to render it again, and revert knows the file is one of ours. A file patched, audited again and
patched again chains: original -> state -> state, and revert still restores the original.

The manifest is written before any file is replaced, so after a kill every file on disk is either as it was or a
state the manifest knows. One apply or revert at a time holds the folder's lock.

The folder may come from anywhere (shipped beside a patches file), so nothing in it is taken on its word: hashes
must be 64 hex digits, a backup path must be relative and stay inside the folder with no link on the way (others
are ignored), a backup is a regular file (never a link, checked with lstat) whose bytes hash as recorded, and apply
and revert use one only once the patches file's pinned hashes vouch for it (`plan.verified_backup`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from filelock import FileLock, Timeout

from siqa.dataset.decode import DEFAULT_LIMITS, parse_json
from siqa.dataset.errors import ReadError
from siqa.outputs.files import write_json
from siqa.patches.files import naming, read_bounded, remove_stale_temps, sha256_file
from siqa.patches.targets import TargetError, check_relative

MANIFEST = "manifest.json"
LOCK = ".lock"
VERSION = 1
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """A backup or output folder that cannot be used: unreadable manifest, held by another process, or inside
    the dataset root by default."""


@dataclass(frozen=True)
class State:
    base: str  # the hash of the bytes this state was rendered from
    fixes: tuple[str, ...]  # the fix ids rendered into it


@dataclass
class Entry:
    original_sha256: str
    backups: dict[str, list[str]] = field(default_factory=dict)
    states: dict[str, State] = field(default_factory=dict)


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
            data = parse_json(read_bounded(path, DEFAULT_LIMITS.json_bytes, str(path)), str(path))
            if data.get("version") != VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            entries = {check_relative(name): _entry(e) for name, e in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ReadError) as error:
            raise BackupError(f"{path}: unreadable manifest: {error}") from None
        return cls(folder, entries)

    def save(self) -> None:
        files = {name: {"original_sha256": e.original_sha256, "backups": e.backups,
                        "states": {sha: {"base": s.base, "fixes": list(s.fixes)} for sha, s in e.states.items()}}
                 for name, e in sorted(self.entries.items())}
        with naming(self.folder / MANIFEST):
            write_json(self.folder / MANIFEST, {"version": VERSION, "files": files})

    def _inside(self, path: Path) -> bool:
        """Whether `path` (under the folder) reaches no link on its way: its real path is the folder's plus the
        same relative parts."""
        real = os.path.realpath(self.folder)
        return os.path.realpath(path) == os.path.join(real, os.path.relpath(path, self.folder))

    def copy_path(self, name: str, sha256: str) -> Path:
        """Where apply keeps a copy of `name` as it was with hash `sha256`; BackupError when a link in the folder
        would lead the copy elsewhere (a link at the copy itself is replaced by the atomic write)."""
        path = self.folder / "files" / _hash(sha256) / check_relative(name)
        if not self._inside(path.parent):
            raise BackupError(f"{path.parent}: a link inside the backup folder {self.folder}; refused")
        return path

    def holds(self, path: Path, sha256: str) -> bool:
        """Whether `path` is a regular file (lstat: a link never counts) inside the folder hashing to `sha256`."""
        try:
            return self._inside(path) and S_ISREG(os.lstat(path).st_mode) and sha256_file(path) == sha256
        except OSError:
            return False

    def backup_of(self, name: str, sha256: str) -> Path | None:
        """A recorded copy of `name` whose bytes (checked) hash to `sha256`, or None. Absolute and escaping paths
        are ignored: a copy is only ever read from inside the folder."""
        entry = self.entries.get(name)
        for backup in entry.backups.get(sha256, []) if entry else []:
            try:
                path = self.folder / check_relative(backup)
            except TargetError:
                continue
            if self.holds(path, sha256):
                return path
        return None

    def record(self, name: str, base: str, backup: Path, patched: str, fixes: list[str]) -> None:
        """A new state of `name`, rendered from the bytes hashing to `base` (a copy of which is at `backup`, under
        the folder). A base the manifest does not know (a first apply, or a file replaced since) starts a new
        history."""
        entry = self.entries.get(name)
        if entry is None or (base != entry.original_sha256 and base not in entry.states):
            entry = self.entries[name] = Entry(base)
        located = backup.relative_to(self.folder).as_posix()
        if located not in entry.backups.setdefault(base, []):
            entry.backups[base].append(located)
        entry.states[patched] = State(base, tuple(sorted(fixes)))


def _entry(data: dict[str, Any]) -> Entry:
    backups = {_hash(sha): [str(path) for path in paths] for sha, paths in data["backups"].items()}
    states = {_hash(sha): State(_hash(s["base"]), tuple(str(f) for f in s["fixes"]))
              for sha, s in data["states"].items()}
    return Entry(_hash(data["original_sha256"]), backups, states)


def _hash(value: object) -> str:
    if not isinstance(value, str) or not _SHA256_RE.fullmatch(value):
        raise ValueError(f"{str(value)[:80]!r} is not a SHA-256 hash")
    return value


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
