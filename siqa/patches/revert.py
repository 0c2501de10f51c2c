"""`siqa revert` as a library call: put back the original bytes of every file a patches file changed.

Works on the root apply patched in place, on a copy of it, or on an `apply --out` folder: what counts is that
a file's hash is a patched state the backup manifest recorded. The original is streamed from a backup, checked
against the original hash before the atomic rename, and checked again on disk after it. A file whose hash is
neither patched nor original is refused, never overwritten.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from siqa.patches.backup import Manifest, locked_manifest
from siqa.patches.content import Part, read_parts
from siqa.patches.files import copy_file, remove_stale_temps, sha256_file, write_atomically
from siqa.patches.model import read_patches, records_by_file
from siqa.patches.targets import Target, TargetError, resolve_inside


class RevertStatus(str, enum.Enum):
    RESTORED = "restored"
    ORIGINAL = "already original"
    REFUSED = "refused"


@dataclass(frozen=True)
class FileRevert:
    file: str
    status: RevertStatus
    reason: str = ""


@dataclass
class RevertReport:
    files: list[FileRevert] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.status is RevertStatus.REFUSED for f in self.files)


def _never_patched(path: Path, entries: list[tuple[Target, str]]) -> bool:
    """Whether every target in the file still hashes as the patch file says (apply never changed it)."""
    parts = read_parts(path, [t for t, _ in entries])
    return all(isinstance(part := parts[t.text], Part) and part.sha256 == sha for t, sha in entries)


def _revert_file(file: str, entries: list[tuple[Target, str]], root: Path, manifest: Manifest) -> FileRevert:
    try:
        path = resolve_inside(root, file)
    except TargetError as error:
        return FileRevert(file, RevertStatus.REFUSED, str(error))
    if not path.is_file():
        return FileRevert(file, RevertStatus.REFUSED, f"{file}: no such file under {root}")
    remove_stale_temps(path)
    current = sha256_file(path)
    entry = manifest.entries.get(file)
    if entry is None:
        if _never_patched(path, entries):
            return FileRevert(file, RevertStatus.ORIGINAL)
        return FileRevert(file, RevertStatus.REFUSED, f"{file}: changed, but {manifest.folder} has no backup of it")
    if current == entry.original_sha256:
        return FileRevert(file, RevertStatus.ORIGINAL)
    if current not in entry.states:
        patched = ", ".join(s[:12] for s in entry.states)
        return FileRevert(file, RevertStatus.REFUSED, f"{file}: hash {current[:12]} is neither a patched state "
                          f"({patched}) nor the original ({entry.original_sha256[:12]}); it changed after apply, "
                          "not reverting")
    backup = manifest.backup_of(file, entry.original_sha256)
    if backup is None:
        return FileRevert(file, RevertStatus.REFUSED, f"{file}: no intact backup of the original in {manifest.folder}")
    write_atomically(path, copy_file(backup), entry.original_sha256)
    restored = sha256_file(path)
    if restored != entry.original_sha256:
        return FileRevert(file, RevertStatus.REFUSED, f"{file}: restored bytes hash to {restored[:12]}, "
                                                      f"not the original {entry.original_sha256[:12]}")
    return FileRevert(file, RevertStatus.RESTORED)


def revert_patches(patches: Path, root: Path, backup_dir: Path) -> RevertReport:
    """Restore every file that the patches file's targets live in (OSError and BackupError propagate)."""
    files, _ = records_by_file(read_patches(patches))
    report = RevertReport()
    with locked_manifest(backup_dir) as manifest:
        for file, entries in sorted(files.items()):
            report.files.append(_revert_file(file, [(t, r.sha256 or "") for t, r in entries], root, manifest))
    return report
