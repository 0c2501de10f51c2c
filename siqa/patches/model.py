"""`patches.jsonl`: one record per target, holding the target's hash and its fixes in the order they apply.

    {"version": 1, "target": "<path or row key>", "sha256": "<hash of the target when the patch was made>",
     "key_column": null, "fixes": [{"id", "code", "confidence", "applicability", "description", "message",
     "evidence", "operations", "status", "reason"}, ...], "schema_version": "1.0", "siqa_version": "..."}

`schema_version` is the output schema's (`siqa.schemas.version`): a record of another major is refused. A
record without one (written before outputs were stamped) is read by its `version`, which stays 1 for them.

The record's patch is the concatenation of its `ok` fixes' operations, conflict-checked at write time. A fix that
conflicts with an earlier one, or that cannot apply, stays in the record with status `conflict` or `invalid` and a
reason: reported, never dropped. A fix keeps its `id` in every record it touches (a per-modality fix may span
several files), so apply and revert can account for it as one fix.

Operations are minimal: each names the smallest unit that changes (a word, a segment, a field such as
`/metadata:transcript/3/words/5` or `/metadata:vad/2/start`), never a whole list rewritten, so a reviewer reads
the change itself and two fixes conflict only where they touch the same unit (`minimal`, `conflicts`). Removals
in one array come first, from the highest index down, so each names the element it removes in the original.

Writing a patched document keeps the original's bytes wherever nothing changed: key order, number spelling
(`1E5` stays `1E5`), spacing, escapes and line endings; only the changed values are spliced in, in the file's
own style (`documents`, `splice`), so a diff of the file shows only the change. What cannot be written exactly
is refused by name rather than rewritten: a change inside an object that repeats a key, and a non-finite number
(`NaN`, `Infinity`, `1e999`), which is never written. `siqa apply --decisions FILE` applies only the fixes a
curator accepted (`siqa.decisions`), by their `id`.

The file is untrusted input: records are checked for shape here, operations and targets where they are used.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siqa.dataset.decode import DEFAULT_LIMITS, Limits, parse_json
from siqa.dataset.errors import ReadError
from siqa.findings import Applicability
from siqa.outputs.files import atomic_writer
from siqa.patches.targets import Target, TargetError, parse_target
from siqa.schemas.version import IncompatibleOutput, check_version, stamped

PATCHES_JSONL = "patches.jsonl"
VERSION = 1
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class PatchFileError(Exception):
    """A patches file that cannot be read as one (exit 2): names the file and line."""


class FixStatus(str, enum.Enum):
    OK = "ok"
    CONFLICT = "conflict"
    INVALID = "invalid"


def fix_id(code: str, target: str, operations: list[dict[str, Any]]) -> str:
    """Stable across runs: the same fix found again gets the same id (and duplicates collapse into one)."""
    canonical = json.dumps([code, target, operations], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PatchFix:
    id: str
    code: str
    confidence: float
    applicability: Applicability
    operations: list[dict[str, Any]]
    description: str = ""
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    status: FixStatus = FixStatus.OK
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "confidence": self.confidence,
                "applicability": self.applicability.value, "description": self.description,
                "message": self.message, "evidence": self.evidence, "operations": self.operations,
                "status": self.status.value, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> PatchFix:
        _expect(isinstance(data, dict), "a fix must be an object")
        _expect(isinstance(data.get("id"), str) and isinstance(data.get("code"), str), "a fix needs id and code")
        confidence = data.get("confidence")
        _expect(isinstance(confidence, (int, float)) and not isinstance(confidence, bool) and 0 <= confidence <= 1,
                "confidence must be a number in [0, 1]")
        _expect(isinstance(data.get("operations"), list), "operations must be a list")
        _expect(isinstance(data.get("evidence", {}), dict), "evidence must be an object")
        try:
            applicability, status = Applicability(data.get("applicability")), FixStatus(data.get("status", "ok"))
        except ValueError as error:
            raise PatchFileError(str(error)) from None
        return cls(data["id"], data["code"], float(confidence), applicability, data["operations"],
                   str(data.get("description", "")), str(data.get("message", "")), data.get("evidence", {}),
                   status, str(data.get("reason", "")))


@dataclass(frozen=True)
class PatchRecord:
    target: str
    sha256: str | None  # None when the target could not be read (every fix is then invalid)
    fixes: tuple[PatchFix, ...]
    key_column: str | None = None

    def to_json(self) -> str:
        record = {"version": VERSION, "target": self.target, "sha256": self.sha256,
                  "key_column": self.key_column, "fixes": [f.to_dict() for f in self.fixes]}
        return json.dumps(stamped(record), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any) -> PatchRecord:
        _expect(isinstance(data, dict), "a record must be a JSON object")
        try:
            check_version(data.get("schema_version"), "the record", data.get("siqa_version"))
        except IncompatibleOutput as error:
            raise PatchFileError(str(error)) from None
        _expect(data.get("version") == VERSION, f"unsupported record version {data.get('version')!r}")
        _expect(isinstance(data.get("target"), str), "target must be a string")
        sha = data.get("sha256")
        _expect(sha is None or (isinstance(sha, str) and bool(_SHA256_RE.match(sha))), "sha256 must be 64 hex digits")
        key_column = data.get("key_column")
        _expect(key_column is None or isinstance(key_column, str), "key_column must be a string")
        _expect(isinstance(data.get("fixes"), list) and bool(data["fixes"]), "fixes must be a non-empty list")
        return cls(data["target"], sha, tuple(PatchFix.from_dict(f) for f in data["fixes"]), key_column)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise PatchFileError(message)


def read_patches(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[PatchRecord]:
    """The records, a line at a time: a line over the `json_bytes` limit is refused unread beyond it."""
    records = []
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(iter(lambda: handle.readline(limits.json_bytes + 1), b""), 1):
                if len(line) > limits.json_bytes:
                    raise PatchFileError(f"{path} line {number}: longer than the json_bytes limit of "
                                         f"{limits.json_bytes} bytes")
                if not line.strip():
                    continue
                try:
                    records.append(PatchRecord.from_dict(parse_json(line, f"{path} line {number}", limits)))
                except PatchFileError as error:
                    raise PatchFileError(f"{path} line {number}: {error}") from None
    except ReadError as error:
        raise PatchFileError(str(error)) from None
    except OSError as error:
        raise PatchFileError(f"{path}: {error.strerror or error}") from None
    return records


def write_records(path: Path, records: Iterable[PatchRecord]) -> None:
    with atomic_writer(path) as handle:
        for record in records:
            handle.write(record.to_json() + "\n")


Entries = list[tuple[Target, PatchRecord]]


def records_by_file(records: Iterable[PatchRecord]) -> tuple[dict[str, Entries], list[tuple[PatchRecord, str]]]:
    """Records by the file that holds their target, and the records whose target is refused (with why)."""
    files: dict[str, Entries] = defaultdict(list)
    refused: list[tuple[PatchRecord, str]] = []
    seen: set[str] = set()
    for record in records:
        try:
            target = parse_target(record.target, record.key_column)
        except TargetError as error:
            refused.append((record, str(error)))
            continue
        if record.target in seen or record.sha256 is None:
            refused.append((record, "target in two records" if record.target in seen
                            else "the target could not be read when the patch was made"))
            continue
        seen.add(record.target)
        files[target.file].append((target, record))
    return dict(files), refused
