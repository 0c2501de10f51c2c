"""`siqa revert` as a library call: put back the original bytes of every file a patches file changed.

Works on the root apply patched in place, on a copy of it, or on an `apply --out` folder: what counts is that
a file's hash is a patched state the backup manifest recorded, made with fixes of this patches file. Revert
undoes one patches file: it restores the bytes that state was rendered from, once the patches file vouches for them
(`plan.verified_backup`: the backup's targets hash as the patches file pins, and the state's fixes rendered onto
it give the file's bytes again), so a backup folder shipped beside a patches file cannot swap in other bytes. A
file patched by a chain of patches files is reverted with each of them, the newest first. The bytes are streamed
from the backup, checked against their hash before the atomic rename, and checked again on disk after it. A file
whose hash is neither a recorded state nor the one the patches file pins is refused, never overwritten.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from siqa.outputs.files import UnsafeEntry
from siqa.patches.backup import Manifest, locked_manifest
from siqa.patches.files import copy_file, remove_stale_temps, sha256_file, write_atomically
from siqa.patches.model import Entries, read_patches, records_by_file
from siqa.patches.plan import FilePlan, pinned, verified_backup
from siqa.patches.targets import TargetError, resolve_inside


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


def _revert_file(file: str, entries: Entries, root: Path, manifest: Manifest) -> FileRevert:
    def refused(reason: str) -> FileRevert:
        return FileRevert(file, RevertStatus.REFUSED, reason)

    try:
        path = resolve_inside(root, file)
    except TargetError as error:
        return refused(str(error))
    if not path.is_file():
        return refused(f"{file}: no such file under {root}")
    try:
        remove_stale_temps(path)
    except UnsafeEntry as error:
        return refused(str(error))
    if pinned(path, entries):  # nothing of it to undo
        return FileRevert(file, RevertStatus.ORIGINAL)
    current = sha256_file(path)
    entry = manifest.entries.get(file)
    if entry is None:
        return refused(f"{file}: changed, but {manifest.folder} has no backup of it")
    state = entry.states.get(current)
    if state is None:
        patched = ", ".join(s[:12] for s in entry.states)
        return refused(f"{file}: hash {current[:12]} is neither a patched state ({patched}) nor what the patches "
                       "file pins; it changed after apply, not reverting")
    foreign = sorted(set(state.fixes) - {f.id for _, r in entries for f in r.fixes})
    if foreign:
        return refused(f"{file}: holds fixes this patches file does not have ({', '.join(foreign)}); revert with "
                       "the patches file that made them first")
    backup = verified_backup(FilePlan(file, entries, path, path, "", current, frozenset()), state, manifest)
    if isinstance(backup, str):
        return refused(backup)
    write_atomically(path, copy_file(backup), state.base)
    restored = sha256_file(path)
    if restored != state.base:
        return refused(f"{file}: restored bytes hash to {restored[:12]}, not {state.base[:12]}")
    return FileRevert(file, RevertStatus.RESTORED)


def revert_patches(patches: Path, root: Path, backup_dir: Path) -> RevertReport:
    """Restore every file that the patches file's targets live in (OSError and BackupError propagate)."""
    files, _ = records_by_file(read_patches(patches))
    report = RevertReport()
    with locked_manifest(backup_dir) as manifest:
        for file, entries in sorted(files.items()):
            report.files.append(_revert_file(file, entries, root, manifest))
    return report
