"""A curator's decisions on findings and fixes: what the dashboard exports, `siqa apply --decisions` applies and
`siqa report` / `siqa gate` read back.

    {"schema_version": 1, "decisions": [
      {"kind": "finding", "key": "<finding_key>", "code": "TS003", "decision": "reject", "note": "", "decided_at": "…"},
      {"kind": "fix", "key": "<fix id from patches.jsonl>", "code": "TS003", "decision": "accept", ...}]}

Keys survive a re-audit of unchanged data: a finding's key is its code, unit and span on a 10 ms grid (audits are
deterministic, so the same data gives the same key), and a fix's key is its `patches.jsonl` id, a hash of its code,
target and operations. The file is untrusted input: it is read bounded and checked record by record.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from siqa.finding_fingerprints import fingerprint
from siqa.findings import Finding

SCHEMA_VERSION = 1
MAX_BYTES = 64 << 20  # about 300,000 decisions: far more than a release's findings
KEY_SPAN_SECONDS = 0.01


class DecisionsError(Exception):
    """A decisions file that cannot be used (exit 2): names the file and the record."""


class Kind(str, enum.Enum):
    FINDING = "finding"
    FIX = "fix"


class Verdict(str, enum.Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    DEFER = "defer"


@dataclass(frozen=True)
class Decision:
    kind: Kind
    key: str
    decision: Verdict
    code: str = ""
    note: str = ""
    decided_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value, "decision": self.decision.value}


def finding_key(finding: Finding) -> str:
    """The key a decision on `finding` is stored under."""
    return fingerprint(finding, KEY_SPAN_SECONDS)


@dataclass(frozen=True)
class Decisions:
    """The last decision per (kind, key): a curator who changes their mind overrides the earlier record."""

    items: tuple[Decision, ...] = ()

    def _keys(self, kind: Kind, verdict: Verdict) -> set[str]:
        latest = {(d.kind, d.key): d for d in self.items}
        return {key for (k, key), d in latest.items() if k is kind and d.decision is verdict}

    def accepted_fixes(self) -> set[str]:
        return self._keys(Kind.FIX, Verdict.ACCEPT)

    def fix_verdicts(self) -> dict[str, Verdict]:
        """The last verdict per fix id: what `siqa apply --decisions` applies (accept) or says it left out."""
        return {d.key: d.decision for d in self.items if d.kind is Kind.FIX}

    def rejected_findings(self) -> set[str]:
        return self._keys(Kind.FINDING, Verdict.REJECT)

    def to_json(self) -> str:
        return json.dumps({"schema_version": SCHEMA_VERSION, "decisions": [d.to_dict() for d in self.items]},
                          indent=1, sort_keys=True)


def _decision(record: Any, where: str) -> Decision:
    if not isinstance(record, dict):
        raise DecisionsError(f"{where}: a decision must be an object")
    unknown = set(record) - {"kind", "key", "decision", "code", "note", "decided_at"}
    if unknown:
        raise DecisionsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        kind, verdict = Kind(record.get("kind")), Verdict(record.get("decision"))
    except ValueError as error:
        raise DecisionsError(f"{where}: {error}") from None
    texts = {name: record.get(name, "") for name in ("key", "code", "note", "decided_at")}
    if not all(isinstance(value, str) for value in texts.values()) or not texts["key"]:
        raise DecisionsError(f"{where}: key, code, note and decided_at must be strings, and key non-empty")
    return Decision(kind=kind, decision=verdict, **texts)


def parse_decisions(data: bytes, path: str) -> Decisions:
    if len(data) > MAX_BYTES:
        raise DecisionsError(f"{path}: larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise DecisionsError(f"{path}: not JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("decisions"), list):
        raise DecisionsError(f"{path}: expected an object with a `decisions` list")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DecisionsError(f"{path}: schema_version {version!r} is not {SCHEMA_VERSION}")
    return Decisions(tuple(_decision(r, f"{path}: decision {i}") for i, r in enumerate(document["decisions"])))


def load_decisions(path: Path) -> Decisions:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise DecisionsError(f"{path}: {error.strerror or error}") from None
    return parse_decisions(data, str(path))
