"""Rules: stable codes, metadata, and discovery through the `siqa.validators` entry-point group.

A rule is a function decorated with `@rule(...)`; its docstring is its public doc page. Built-in validator
packages register exactly like third-party plugins (pytest/pluggy style): each entry point names a module whose
import registers its rules, and a plugin that fails to import is reported, never fatal.
"""

from __future__ import annotations

import importlib
import inspect
import re
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Callable, Iterable

from siqa.findings import Finding, Scope, Severity

ENTRY_POINT_GROUP = "siqa.validators"

FAMILIES: dict[str, str] = {
    "IN": "integrity",
    "TS": "timing",
    "TR": "transcript vs speech",
    "PR": "prompts",
    "ID": "participant identity",
    "BL": "speaker bleed",
    "RQ": "recording quality",
    "MO": "moments of interest",
    "AV": "audio-video sync",
    "SQ": "siqa itself (crashed rules, failed plugins)",
}
CODE_RE = re.compile(r"^([A-Z]{2})(\d{3})$")
STATUSES = ("preview", "stable", "deprecated")

Check = Callable[[Any, "Any"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    scope: Scope
    severity: Severity
    status: str
    reads: tuple[str, ...]
    version: int
    check: Check
    module: str
    emitted: bool = False

    @property
    def family(self) -> str:
        return self.code[:2]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def title(self) -> str:
        """The docstring's first paragraph on one line (a summary may wrap over several lines)."""
        summary = self.doc.split("\n\n", 1)[0]
        return " ".join(summary.split()).rstrip(".") if summary else self.name

    @property
    def body(self) -> str:
        """The docstring after its first paragraph: the page's sections."""
        parts = self.doc.split("\n\n", 1)
        return parts[1] if len(parts) > 1 else ""


_RULES: dict[str, Rule] = {}


class RegistryError(Exception):
    pass


def rule(
    code: str,
    name: str,
    *,
    scope: Scope,
    severity: Severity,
    reads: tuple[str, ...] = (),
    status: str = "stable",
    version: int = 1,
    emitted: bool = False,
) -> Callable[[Check], Check]:
    """Register a check under a stable code. `reads` names the modalities it loads (for skips and caching);
    bump `version` whenever the check's logic changes, so cached results of the old logic are not reused.
    `emitted` marks codes the engine itself emits (crashed rule, failed plugin): documented, never scheduled."""
    match = CODE_RE.match(code)
    if match is None or match.group(1) not in FAMILIES:
        raise RegistryError(f"bad rule code {code!r}: expected a family prefix ({', '.join(FAMILIES)}) and 3 digits")
    if status not in STATUSES:
        raise RegistryError(f"{code}: status must be one of {STATUSES}")

    def register(check: Check) -> Check:
        if not (check.__doc__ or "").strip():
            raise RegistryError(f"{code}: a rule needs a docstring; it is the rule's public doc page")
        existing = _RULES.get(code)
        if existing is not None and (existing.module, existing.check.__qualname__) != (check.__module__, check.__qualname__):
            raise RegistryError(f"{code} is registered twice: {existing.module} and {check.__module__}")
        _RULES[code] = Rule(code, name, scope, severity, status, reads, version, check, check.__module__, emitted)
        return check

    return register


@dataclass(frozen=True)
class PluginFailure:
    name: str
    value: str
    error: str


_LOADED: list[PluginFailure] | None = None


def load_plugins() -> list[PluginFailure]:
    """Import every `siqa.validators` entry point once; return those that failed (with their traceback)."""
    global _LOADED
    if _LOADED is None:
        importlib.import_module("siqa.engine.internal")  # the engine's own codes (SQ), documented like rules
        failures = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                importlib.import_module(ep.value.split(":", 1)[0])
            except Exception:  # a broken plugin must not take the audit down
                failures.append(PluginFailure(ep.name, ep.value, traceback.format_exc(limit=5)))
        _LOADED = failures
    return _LOADED


def all_rules() -> list[Rule]:
    load_plugins()
    return sorted(_RULES.values(), key=lambda r: r.code)


def get_rule(code: str) -> Rule:
    load_plugins()
    try:
        return _RULES[code.upper()]
    except KeyError:
        raise RegistryError(f"unknown rule {code!r}; `siqa rules` lists them") from None


def matches(code: str, selectors: Iterable[str]) -> bool:
    """ruff-style selection: `IN` selects the family, `IN0` a range, `IN001` one rule, `ALL` everything."""
    return any(s == "ALL" or code.startswith(s.upper()) for s in selectors)
