"""Findings: what a rule reports about one unit, with evidence, a confidence, and an optional fix.

The record is flat and JSON-friendly on purpose: it is written as JSONL and Parquet, read back by `report`,
`gate` and `apply`, and compared across releases, so every field has one meaning and one type.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any


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
        data = asdict(self)
        data["severity"] = self.severity.value
        data["scope"] = self.scope.value
        data["span"] = list(self.span) if self.span is not None else None
        data["fix"] = self.fix.to_dict() if self.fix else None
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=_json_default)

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


def _json_default(value: Any) -> Any:
    """Evidence often holds numpy scalars and arrays; store them as plain JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
