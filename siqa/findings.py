"""Findings: what a rule reports about one unit, with evidence, a confidence, and an optional fix.

The record is flat and JSON-friendly on purpose: it is written as JSONL and Parquet, read back by `report`,
`gate` and `apply`, and compared across releases, so every field has one meaning and one type. Evidence, spans
and fix operations are made plain JSON when a finding is built (numpy scalars and arrays become numbers and
lists, non-finite numbers strings), so a finding in memory equals its JSONL line.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from siqa.schemas.version import stamped


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}: expected one of {[s.value for s in cls]}") from None


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Scope(str, enum.Enum):
    FILE = "file"
    INTERACTION = "interaction"
    SESSION = "session"
    BATCH = "batch"
    SITE = "site"
    RELEASE = "release"  # the whole release: what a release-scope rule (`siqa.release`) says of it


class Applicability(str, enum.Enum):
    """How far a fix can be trusted, as in ruff: safe fixes apply by default, unsafe ones on request."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Fix:
    """A proposed correction: RFC 6902 operations on `target` (a path relative to the dataset root, or a
    root-table row key such as `interactions.csv#V00_S0001_I00000001`)."""

    applicability: Applicability
    target: str
    operations: list[dict[str, Any]]
    description: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "operations", plain(self.operations, finite=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability.value,
            "target": self.target,
            "operations": self.operations,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fix:
        return cls(
            applicability=Applicability(data["applicability"]),
            target=data["target"],
            operations=list(data["operations"]),
            description=data.get("description", ""),
        )


def bounded_confidence(value: float) -> float:
    """A confidence as every finding factory records it: within [0, 1], to 4 decimals."""
    return round(float(min(1.0, max(0.0, value))), 4)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    confidence: float
    scope: Scope
    site: str
    message: str
    file_id: str | None = None
    interaction_key: str | None = None
    session_key: str | None = None
    batch: str | None = None
    path: str | None = None
    span: tuple[float, float] | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: Fix | None = None
    caused_by: str | None = None  # the root finding's `ref` when this one follows from it (counted once, there)

    def __post_init__(self) -> None:
        if not (0.0 <= self.confidence <= 1.0) or math.isnan(self.confidence):
            raise ValueError(f"{self.code}: confidence must be in [0, 1], got {self.confidence}")
        if self.span is not None and not (self.span[0] <= self.span[1]):
            raise ValueError(f"{self.code}: span start after end: {self.span}")
        object.__setattr__(self, "confidence", float(self.confidence))
        object.__setattr__(self, "evidence", plain(self.evidence))
        if self.span is not None:
            object.__setattr__(self, "span", (float(self.span[0]), float(self.span[1])))

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")

    @property
    def unit_key(self) -> str:
        """The most specific key this finding is about (for sorting, grouping and display)."""
        return self.file_id or self.interaction_key or self.session_key or self.batch or self.site

    @property
    def ref(self) -> str:
        """What another finding's `caused_by` names: this finding's code and unit."""
        return f"{self.code}:{self.unit_key}"

    def sort_key(self) -> tuple[str, str, float, str]:
        return (self.unit_key, self.code, self.span[0] if self.span else -1.0, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The finding as a line of `findings.jsonl` (stamped with the output schema version)."""
        data = asdict(self)
        data["severity"] = self.severity.value
        data["scope"] = self.scope.value
        data["span"] = list(self.span) if self.span is not None else None
        data["fix"] = self.fix.to_dict() if self.fix else None
        return stamped(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        span = data.get("span")
        return cls(
            code=data["code"],
            severity=Severity(data["severity"]),
            confidence=float(data["confidence"]),
            scope=Scope(data["scope"]),
            site=data["site"],
            message=data["message"],
            file_id=data.get("file_id"),
            interaction_key=data.get("interaction_key"),
            session_key=data.get("session_key"),
            batch=data.get("batch"),
            path=data.get("path"),
            span=(float(span[0]), float(span[1])) if span else None,
            evidence=dict(data.get("evidence") or {}),
            fix=Fix.from_dict(data["fix"]) if data.get("fix") else None,
            caused_by=data.get("caused_by"),
        )


def plain(value: Any, finite: bool = False) -> Any:
    """`value` as plain JSON: numpy scalars and arrays (evidence often holds them) as numbers and lists, enums
    as their values, tuples as lists, non-finite numbers as the strings "nan", "inf", "-inf" (JSON has no such
    numbers; the SARIF log writes them so too), or with `finite` a ValueError (a fix never writes one);
    anything else JSON cannot hold is a TypeError. Raised where the finding is made, in the rule."""
    if isinstance(value, enum.Enum):
        return plain(value.value, finite)
    if hasattr(value, "tolist"):
        return plain(value.tolist(), finite)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        if finite:
            raise ValueError(f"not a finite number: {value}")
        return str(float(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item, finite) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, finite) for item in value]
    raise TypeError(f"not JSON: {type(value).__name__} {value!r}")
