"""What every export reads: an audit's findings (as per-file quality flags), its safe fixes (applied in memory,
never written), and the batch's participant files with their audio and transcripts.

A file's flags gather the findings about the file itself, its interaction and its session: a swapped channel or a
shifted prompt concerns both participants' files. Batch- and site-wide findings describe aggregates and flag no
file. With safe fixes applied, the findings those fixes correct no longer count against the file (`fixed`).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siqa.dataset.batch import BatchIndex, open_batch
from siqa.dataset.errors import DatasetNotFound, ReadError
from siqa.dataset.ids import FileId
from siqa.dataset.meta import Meta, Segment
from siqa.dataset.units import AudioInfo, ParticipantFile
from siqa.findings import Applicability, Finding, Scope, Severity
from siqa.outputs.files import FINDINGS_JSONL, UNITS_JSONL, read_findings
from siqa.patches.content import read_parts
from siqa.patches.modality import part_key
from siqa.patches.model import (
    PATCHES_JSONL,
    FixStatus,
    PatchFileError,
    PatchFix,
    PatchRecord,
    fix_id,
    read_patches,
)
from siqa.patches.ops import PatchError, apply_patch
from siqa.patches.targets import TargetError, parse_target, resolve_inside

log = logging.getLogger(__name__)
FILE_SCOPES = (Scope.FILE, Scope.INTERACTION, Scope.SESSION)


class ExportError(Exception):
    """An export that cannot be made (exit 2): names the folder or file at fault."""


@dataclass(frozen=True)
class Threshold:
    """When a finding makes its file excluded: at least this severity and this confidence."""

    severity: Severity = Severity.ERROR
    confidence: float = 0.0

    def reached(self, finding: Finding) -> bool:
        return finding.severity.rank >= self.severity.rank and finding.confidence >= self.confidence


@dataclass(frozen=True)
class Flags:
    """A file's quality flags, as every export writes them (`quality_*` columns or custom fields)."""

    codes: tuple[str, ...] = ()  # codes of the findings that stand (sorted, once each)
    severity: str | None = None  # the worst of their severities
    confidence: float | None = None  # the highest of their confidences
    excluded: bool = False  # one of them reaches the threshold
    fixed: tuple[str, ...] = ()  # codes whose findings the applied safe fixes corrected

    @classmethod
    def of(cls, standing: list[Finding], fixed: list[Finding], threshold: Threshold) -> Flags:
        if not standing:
            return cls(fixed=tuple(sorted({f.code for f in fixed})))
        worst = max(standing, key=lambda f: f.severity.rank)
        return cls(tuple(sorted({f.code for f in standing})), worst.severity.value,
                   max(f.confidence for f in standing), any(threshold.reached(f) for f in standing),
                   tuple(sorted({f.code for f in fixed})))

    def to_dict(self) -> dict[str, Any]:
        return {"quality_codes": list(self.codes), "quality_severity": self.severity,
                "quality_confidence": self.confidence, "quality_excluded": self.excluded,
                "quality_fixed": list(self.fixed)}


@dataclass(frozen=True)
class AudioRef:
    """Where a file's WAV is: a file, or a member of a WebDataset tar (`member` set, `path` the archive)."""

    path: str
    member: str | None
    info: AudioInfo


@dataclass
class Entry:
    """One participant file, ready to export."""

    pf: ParticipantFile
    root: Path
    flags: Flags
    document: dict[str, Any] | None  # its JSON document, safe fixes applied; None when it has none or it is unreadable

    def keys(self) -> dict[str, str]:
        fid = self.pf.file_id
        return {"file_id": str(fid), "interaction_key": fid.interaction_key, "session_key": fid.session_key,
                "participant_id": fid.participant_id, "site": fid.site, "label": self.pf.label,
                "split": self.pf.split, "batch": self.pf.batch}

    def audio(self) -> AudioRef | None:
        if not self.pf.has("wav"):
            return None
        try:
            info = self.pf.audio_info()
        except ReadError as error:
            log.warning("%s: audio left out of the export: %s", error.path, error.reason)
            return None
        archive, sep, member = self.pf.path("wav").partition(".tar:")
        if sep:
            return AudioRef(str(self.root / f"{archive}.tar"), member, info)
        return AudioRef(str(self.root / archive), None, info)

    def segments(self) -> list[Segment]:
        """The transcript's segments in time order, those of no length left out (IN015 flags them)."""
        if self.document is None:
            return []
        parsed = Meta(self.document, self.pf.path("json")).transcript()
        return sorted((s for s in parsed.items if s.end > s.start), key=lambda s: (s.start, s.end))


@dataclass
class Audit:
    """A finished audit's folder, read for export, against the dataset root it audited."""

    folder: Path
    root: Path
    findings: list[Finding]
    indexes: list[BatchIndex]
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> patched document
    applied: set[str] = field(default_factory=set)  # ids of the safe fixes applied

    @classmethod
    def open(cls, folder: Path, root: Path, apply_safe: bool) -> Audit:
        findings_path = folder / FINDINGS_JSONL
        if not findings_path.is_file():
            raise ExportError(f"{folder} is not an audit output folder: {FINDINGS_JSONL} is missing")
        try:
            findings = list(read_findings(findings_path))
        except (ValueError, KeyError, TypeError) as error:
            raise ExportError(f"{findings_path}: not a findings file ({type(error).__name__}: {error})") from None
        audit = cls(folder, root, findings, _indexes(folder, root))
        if apply_safe:
            audit.apply_safe_fixes()
        return audit

    def apply_safe_fixes(self) -> None:
        """Every safe fix that `siqa apply --only safe` would write, applied to the documents in memory. A target
        changed since the audit (its hash differs) keeps its bytes, as apply would refuse it."""
        path = self.folder / PATCHES_JSONL
        try:
            records = read_patches(path)
        except PatchFileError as error:
            raise ExportError(f"--apply-safe needs the audit's {PATCHES_JSONL}: {error}") from None
        files = {pf.file_id: pf for index in self.indexes for pf in index.participant_files()}
        failed: set[str] = set()
        for record in records:
            safe = [f for f in record.fixes if f.applicability is Applicability.SAFE and f.status is FixStatus.OK]
            fid = FileId.search(record.target)  # a document's path names its file; a row's does not
            owner = None if fid is None else files.get(fid)
            if not safe or owner is None or "#" in record.target:
                continue
            try:
                self._apply(record, safe, owner)
                self.applied.update(f.id for f in safe)
            except (PatchError, TargetError, ReadError) as error:
                log.warning("%s: safe fixes not applied: %s", record.target, error)
                failed.update(f.id for f in safe)
        self.applied -= failed  # a fix is applied whole or not at all

    def _apply(self, record: PatchRecord, fixes: list[PatchFix], pf: ParticipantFile) -> None:
        target = parse_target(record.target, record.key_column)
        part = read_parts(resolve_inside(self.root, target.file), [target])[target.text]
        if isinstance(part, PatchError):
            raise part
        if part.sha256 != record.sha256:
            raise PatchError("changed since the audit (its hash differs from the patch's)")
        document = part.load()
        for fix in fixes:
            document = apply_patch(document, fix.operations)
        key = part_key(record.target)
        fid = str(pf.file_id)
        if key is None:
            self.documents[fid] = document
        else:
            self.documents[fid] = {**self.documents.get(fid, _document(pf) or {"id": fid}), key: document}

    def entries(self, threshold: Threshold) -> Iterator[Entry]:
        """Every participant file of the audited batches, in batch and file-id order."""
        about: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            if finding.scope in FILE_SCOPES:
                about[finding.file_id or finding.interaction_key or finding.session_key or ""].append(finding)
        for index in self.indexes:
            for pf in index.participant_files():
                fid = pf.file_id
                mine = [*about[str(fid)], *about[fid.interaction_key], *about[fid.session_key]]
                fixed = [self._fixed(f) for f in mine]
                flags = Flags.of([f for f, done in zip(mine, fixed) if not done],
                                 [f for f, done in zip(mine, fixed) if done], threshold)
                yield Entry(pf, self.root, flags, self.documents.get(str(fid)) or _document(pf))

    def _fixed(self, finding: Finding) -> bool:
        fix = finding.fix
        return fix is not None and fix_id(finding.code, fix.target, fix.operations) in self.applied


def _document(pf: ParticipantFile) -> dict[str, Any] | None:
    if not pf.has("json"):
        return None
    try:
        return pf.meta().raw
    except ReadError as error:
        log.warning("%s: transcript left out of the export: %s", error.path, error.reason)
        return None


def _indexes(folder: Path, root: Path) -> list[BatchIndex]:
    """The batches the audit saw (`units.jsonl` names them), opened under `root`."""
    path = folder / UNITS_JSONL
    try:
        with open(path, encoding="utf-8") as handle:
            names = sorted({record["batch"] for line in handle if line.strip()
                            if "session_key" in (record := json.loads(line))})
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ExportError(f"{path}: cannot tell which batches the audit saw ({error})") from None
    indexes = []
    for name in names:
        try:
            label, split, batch = name.split("/")
            indexes.append(open_batch(root, label, split, batch))
        except (ValueError, DatasetNotFound) as error:
            raise ExportError(f"batch {name} of {folder} not found under the dataset root {root}: {error}") from None
    return indexes
