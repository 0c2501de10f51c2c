"""Rules: stable codes, metadata, and discovery through the `siqa.validators` entry-point group.

A rule is a function decorated with `@rule(...)`; its docstring is its public doc page, and its `settings` declare
every threshold it reads with a type and a default (rule sets only override them). Built-in validator packages
register exactly like third-party plugins (pytest/pluggy style): each entry point names a module whose import
registers its rules. A plugin's entry point is named after its own family prefix (`XQ = "my_checks.rules"`); the
built-in families are reserved. The engine's own codes (SQ) load the same way, through the `selfcheck` entry
point. A plugin that fails to import, or registers a rule outside its family, is reported (SQ002), never fatal.
"""

from __future__ import annotations

import importlib
import inspect
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin

from siqa.findings import Finding, Scope, Severity

if TYPE_CHECKING:  # siqa.norms imports this module
    from siqa.norms import Candidate

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
BUILTIN_FAMILIES = frozenset(FAMILIES)  # reserved: a plugin declares its own family (FAMILIES gains it on load)
FAMILY_RE = re.compile(r"^[A-Z]{2}$")
CODE_RE = re.compile(r"^([A-Z]{2})(\d{3})$")
STATUSES = ("preview", "stable", "deprecated")

# A scheduled rule: (unit, ctx) -> findings, and candidates the batch's norms judge after the audit (siqa.norms).
Check = Callable[[Any, Any], Iterable["Finding | Candidate"]]
# The decorated function keeps its own type: emitted rules (SQ001, ID001...) are called with their own arguments.
CheckT = TypeVar("CheckT", bound=Callable[..., Any])
SCALARS = (bool, int, float, str)
RESERVED_KEYS = frozenset({"enabled", "severity"})  # in every rule's section, besides its declared settings
_SETTINGS_API = frozenset({"code", "values", "severity", "source", "get"})  # `RuleSettings` attributes


@dataclass(frozen=True)
class Setting:
    """One threshold a rule reads: its default (the value unless a rule set overrides it), what it means, and its
    type, inferred from the default (`float`, `int`, `str`, `bool` or `list[...]` of one of them; an empty list
    default needs `type`). A rule set's value must have that type; an integer is taken for a float."""

    default: Any
    doc: str
    type: Any = None

    def __post_init__(self) -> None:
        kind = self.type or _type_of(self.default)
        item = get_args(kind)[0] if get_origin(kind) is list and get_args(kind) else None
        if kind not in SCALARS and item not in SCALARS:
            names = ", ".join(t.__name__ for t in SCALARS)
            raise RegistryError(f"setting type {kind!r} is not supported: use {names} or list[...] of one of them")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "default", self.convert(self.default))

    @property
    def type_name(self) -> str:
        return self.type.__name__ if self.type in SCALARS else str(self.type)

    def convert(self, value: Any) -> Any:
        """`value` as this setting's type (a TOML integer for a float setting becomes a float); ValueError
        saying what was expected otherwise."""
        if get_origin(self.type) is list:
            if not isinstance(value, (list, tuple)):
                raise ValueError(f"expected {self.type_name}, not {value!r}")
            return [_scalar(get_args(self.type)[0], v, self.type_name) for v in value]
        return _scalar(self.type, value, self.type_name)


def _type_of(default: Any) -> Any:
    if isinstance(default, (list, tuple)) and default:
        return list[type(default[0])]  # type: ignore[misc]
    return type(default)


def _scalar(kind: type, value: Any, expected: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not kind:
        raise ValueError(f"expected {expected}, not {value!r}")
    return value


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
    settings: Mapping[str, Setting] = field(default_factory=dict, compare=False)
    requires: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return self.code[:2]

    @property
    def builtin(self) -> bool:
        """A rule of siqa's own families; the others come from plugins, whose failures are contained."""
        return self.family in BUILTIN_FAMILIES

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

    def defaults(self) -> dict[str, Any]:
        return {name: setting.default for name, setting in self.settings.items()}


_RULES: dict[str, Rule] = {}


class RegistryError(Exception):
    pass


@dataclass(frozen=True)
class PluginFailure:
    """A plugin, or one of its rules, that does not run: `name` is the entry point (the plugin's family), `value`
    its module, `error` the traceback or the reason it was refused."""

    name: str
    value: str
    error: str

    @property
    def reason(self) -> str:
        """One line: the exception a traceback ends with, or the refusal."""
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else "unknown error"


_LOADED: list[PluginFailure] | None = None
_IMPORTING: EntryPoint | None = None  # the plugin whose module is being imported: its rules must be in its family
_REFUSED: list[PluginFailure] = []  # rules a plugin registered outside its family, while it was imported


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
    settings: Mapping[str, Setting] | None = None,
    requires: tuple[str, ...] = (),
) -> Callable[[CheckT], CheckT]:
    """Register a check under a stable code. `reads` names the modalities it loads (for skips and caching), or,
    for a release rule (`siqa.release`), the collected channels it reads (`findings`: the run's findings);
    `requires` names rules whose output it reads, selected with it (ID001 compares ID004's fingerprints);
    bump `version` whenever the check's logic changes, so cached results of the old logic are not reused.
    `settings` declares every threshold the check reads (`ctx.settings.<name>`), with its default.
    `emitted` marks codes the engine itself emits (crashed rule, failed plugin): documented, never scheduled."""
    match = CODE_RE.match(code)
    if match is None or (match.group(1) not in FAMILIES and _plugin_declaring(match.group(1)) is None):
        raise RegistryError(f"bad rule code {code!r}: expected a family prefix ({', '.join(FAMILIES)}, or an "
                            "installed plugin's) and 3 digits")
    if status not in STATUSES:
        raise RegistryError(f"{code}: status must be one of {STATUSES}")
    declared = dict(settings or {})
    clashes = sorted(set(declared) & (RESERVED_KEYS | _SETTINGS_API))
    if clashes:
        raise RegistryError(f"{code}: setting name(s) {', '.join(clashes)} are reserved")

    def register(check: CheckT) -> CheckT:
        plugin = _IMPORTING or _plugin_of(check.__module__)
        if plugin is not None and match.group(1) != plugin.name:
            _REFUSED.append(PluginFailure(plugin.name, plugin.value, f"rule {code} refused: plugin {plugin.name!r} "
                                          f"may register {plugin.name} codes only ({code[:2]} is not its family)"))
            return check
        if not (check.__doc__ or "").strip():
            raise RegistryError(f"{code}: a rule needs a docstring; it is the rule's public doc page")
        existing = _RULES.get(code)
        where = (check.__module__, check.__qualname__)
        if existing is not None and (existing.module, existing.check.__qualname__) != where:
            raise RegistryError(f"{code} is registered twice: {existing.module} and {check.__module__}")
        _RULES[code] = Rule(code, name, scope, severity, status, reads, version, check, check.__module__, emitted,
                            declared, tuple(requires))
        return check

    return register


def load_plugins() -> list[PluginFailure]:
    """Import every `siqa.validators` entry point once; return the plugins (and plugin rules) that do not run,
    with their traceback or the reason they were refused."""
    global _LOADED
    if _LOADED is None:
        _REFUSED.clear()
        failures = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            refusal = _family_refusal(ep)
            if refusal:
                failures.append(PluginFailure(ep.name, ep.value, refusal))
            elif (error := _import_plugin(ep)) is not None:
                failures.append(PluginFailure(ep.name, ep.value, error))
        _LOADED = failures + _REFUSED
    return _LOADED


def _plugin_entry_points() -> list[EntryPoint]:
    """Installed plugins whose entry point names a family of their own."""
    return [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if _family_refusal(ep) is None and not _is_builtin(ep)]


def _plugin_declaring(family: str) -> EntryPoint | None:
    """The installed plugin of `family`: its module may be imported before `load_plugins` (a worker's
    fork server preloads every rule's module)."""
    found = next((ep for ep in _plugin_entry_points() if ep.name == family), None)
    if found is not None:
        FAMILIES.setdefault(family, f"plugin {found.value}")
    return found


def _plugin_of(module: str) -> EntryPoint | None:
    """The installed plugin whose entry point is `module` or a package above it; None for siqa's own modules and
    for rules defined in place (a test, a notebook)."""
    if module.split(".", 1)[0] == "siqa":
        return None
    return next((ep for ep in _plugin_entry_points()
                 if module == _target(ep) or module.startswith(_target(ep) + ".")), None)


def _target(ep: EntryPoint) -> str:
    return ep.value.split(":", 1)[0]


def _is_builtin(ep: EntryPoint) -> bool:
    return _target(ep).split(".", 1)[0] == "siqa"


def _family_refusal(ep: EntryPoint) -> str | None:
    """Why a plugin's entry point cannot be loaded, judged before its code runs: its name is its family."""
    if _is_builtin(ep):
        return None
    if not FAMILY_RE.match(ep.name):
        return (f"entry point name {ep.name!r} must be the plugin's own family prefix, two capital letters "
                f"(e.g. XQ = \"{ep.value}\")")
    if ep.name in BUILTIN_FAMILIES:
        return f"family {ep.name} is built in (reserved: {', '.join(sorted(BUILTIN_FAMILIES))}); choose another"
    return None


def _import_plugin(ep: EntryPoint) -> str | None:
    """Import the entry point's module (a plugin's rules are bound to its family); the traceback if it fails."""
    global _IMPORTING
    builtin = _is_builtin(ep)
    if not builtin:
        FAMILIES.setdefault(ep.name, f"plugin {ep.value}")
        _IMPORTING = ep
    try:
        module = importlib.import_module(_target(ep))
    except Exception:  # noqa: BLE001 - a broken plugin must not take the audit down
        return traceback.format_exc(limit=5)
    finally:
        _IMPORTING = None
    if not builtin and module.__doc__ and module.__doc__.strip():
        FAMILIES[ep.name] = module.__doc__.strip().splitlines()[0].rstrip(".")
    return None


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
