"""Rule sets: which rules run and with which thresholds, from TOML, with per-label and per-site overrides.

Layering, most specific last: the rule's section in the rule set (and the sets it `extends`), then
`[labels.<label>.rules.<CODE>]`, then `[sites.<Vnn>.rules.<CODE>]`. Validators read every threshold through
`RuleSettings.get`, which fails loudly for a threshold the rule set does not define: no threshold lives in code.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from siqa.findings import Severity
from siqa.registry import matches

if TYPE_CHECKING:
    from siqa.dataset.decode import Limits

_RESERVED = {"enabled", "severity"}


class ConfigError(Exception):
    pass


def builtin_rules_dir() -> Path:
    """`rules/` of the source tree (editable installs) or the copy packaged into the wheel."""
    packaged = Path(__file__).with_name("_rules")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[1] / "rules"


NOT_RULE_SETS = {"gate"}  # rules/gate.toml is the release gate's policy, not a rule set


def resolve_ruleset_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return path
    builtin = builtin_rules_dir() / f"{name_or_path}.toml"
    if builtin.exists() and str(name_or_path) not in NOT_RULE_SETS:
        return builtin
    names = sorted(p.stem for p in builtin_rules_dir().glob("*.toml") if p.stem not in NOT_RULE_SETS)
    raise ConfigError(f"rule set {str(name_or_path)!r} not found (a .toml path, or one of: {', '.join(names)})")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _load(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise ConfigError(f"rule set {path} extends itself")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read rule set {path}: {error}") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    return _merge(_load(resolve_ruleset_path(parent), (*seen, path)), data)


@dataclass(frozen=True)
class RuleSettings:
    code: str
    values: dict[str, Any]
    severity: Severity
    source: str

    def get(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise ConfigError(f"{self.code}: threshold {name!r} is not set in rule set {self.source} "
                              f"(add it under [rules.{self.code}])") from None


@dataclass
class RuleSet:
    path: Path
    data: dict[str, Any]
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, name_or_path: str | Path = "default", select: Iterable[str] = (),
             ignore: Iterable[str] = ()) -> RuleSet:
        path = resolve_ruleset_path(name_or_path)
        data = _load(path)
        rules = data.get("rules", {})
        return cls(path, data, list(select) or list(rules.get("select", ["ALL"])),
                   [*rules.get("ignore", []), *ignore])

    def limits(self) -> Limits:
        """What one dataset file may make the reader read or allocate: the defaults, overridden under `[limits]`."""
        from siqa.dataset.decode import Limits  # the decoders import numpy and soundfile: only when auditing

        try:
            return Limits.from_mapping(self.data.get("limits", {}), str(self.path))
        except ValueError as error:
            raise ConfigError(str(error)) from None

    def option(self, name: str, default: Any = None) -> Any:
        return self.data.get("settings", {}).get(name, default)

    def _layers(self, code: str, site: str | None, label: str | None) -> list[dict[str, Any]]:
        layers = [self.data.get("rules", {}).get(code, {})]
        if label:
            layers.append(self.data.get("labels", {}).get(label, {}).get("rules", {}).get(code, {}))
        if site:
            layers.append(self.data.get("sites", {}).get(site, {}).get("rules", {}).get(code, {}))
        return layers

    def enabled(self, code: str, site: str | None = None, label: str | None = None) -> bool:
        if not matches(code, self.select) or matches(code, self.ignore):
            return False
        return all(layer.get("enabled", True) for layer in self._layers(code, site, label))

    def settings(self, code: str, default_severity: Severity, site: str | None = None,
                 label: str | None = None) -> RuleSettings:
        merged: dict[str, Any] = {}
        for layer in self._layers(code, site, label):
            merged.update(layer)
        severity = Severity.parse(merged["severity"]) if "severity" in merged else default_severity
        values = {k: v for k, v in merged.items() if k not in _RESERVED}
        return RuleSettings(code, values, severity, str(self.path))

    def signal(self, name: str, site: str | None = None, label: str | None = None) -> dict[str, Any]:
        """Settings of a shared signal (`[signals.<name>]`), with label and site overrides like rules."""
        merged = dict(self.data.get("signals", {}).get(name, {}))
        if label:
            merged.update(self.data.get("labels", {}).get(label, {}).get("signals", {}).get(name, {}))
        if site:
            merged.update(self.data.get("sites", {}).get(site, {}).get("signals", {}).get(name, {}))
        if not merged:
            raise ConfigError(f"signal {name!r} has no settings in rule set {self.path} (add [signals.{name}])")
        return merged

    def override_signal(self, name: str, values: dict[str, Any]) -> RuleSet:
        """This rule set with `[signals.<name>]` values replaced (command-line options such as --asr-budget);
        every site and label takes them too, so they are not overridden again below."""
        if not values:
            return self
        data = copy.deepcopy(self.data)
        data.setdefault("signals", {}).setdefault(name, {}).update(values)
        for kind in ("sites", "labels"):
            for section in data.get(kind, {}).values():
                section.get("signals", {}).get(name, {}).update(values)
        return RuleSet(self.path, data, self.select, self.ignore)

    def thresholds(self, code: str) -> dict[str, Any]:
        """The rule's base thresholds and every site/label override, for its doc page."""
        out = {"default": {k: v for k, v in self.data.get("rules", {}).get(code, {}).items()}}
        for kind in ("labels", "sites"):
            for name, section in sorted(self.data.get(kind, {}).items()):
                if code in section.get("rules", {}):
                    out[f"{kind[:-1]} {name}"] = dict(section["rules"][code])
        return out
