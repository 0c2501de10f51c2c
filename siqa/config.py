"""Rule sets: which rules run, with which severities, and the overrides of their declared settings, from TOML.

Every setting a rule reads is declared next to the rule with its type and default (`@rule(..., settings=...)`);
a rule set only overrides. Layering, most specific last: the declared defaults, the rule's section in the rule
set (and the sets it `extends`), `[labels.<label>.rules.<CODE>]`, then `[sites.<Vnn>.rules.<CODE>]`. Each file is
checked as it loads: an unknown section, rule code or setting, or a value of the wrong type, is a `ConfigError`
naming the file, the key and the nearest valid spelling. A plugin rule's bad section is contained instead: that
rule does not run and is reported (SQ002).
"""

from __future__ import annotations

import copy
import difflib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from siqa.findings import Severity
from siqa.registry import (
    BUILTIN_FAMILIES,
    RESERVED_KEYS,
    PluginFailure,
    Rule,
    Setting,
    all_rules,
    get_rule,
    load_plugins,
    matches,
)

if TYPE_CHECKING:
    from siqa.dataset.decode import Limits

TOP_SECTIONS = ("extends", "rules", "labels", "sites", "signals", "tables", "limits")
SCOPED_SECTIONS = ("rules", "signals")  # what `[labels.<label>]` and `[sites.<site>]` may hold
SELECTION_KEYS = ("select", "ignore")


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


def _load(path: Path, refused: dict[str, str], seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The rule set at `path` merged over the sets it extends, each file checked (`Checker`) as it is read."""
    if path in seen:
        raise ConfigError(f"rule set {path} extends itself")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read rule set {path}: {error}") from None
    parent = data.pop("extends", None)
    Checker(str(path), refused).check(data)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: extends must be a rule set's name or path, not {parent!r}")
    return _merge(_load(resolve_ruleset_path(parent), refused, (*seen, path)), data)


def nearest(key: str, valid: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return found[0] if found else None


@lru_cache(maxsize=1)
def signal_schema() -> dict[str, dict[str, Setting]]:
    """The shared signals and their settings: those `rules/default.toml` sets, typed by its values."""
    data = tomllib.loads((builtin_rules_dir() / "default.toml").read_text(encoding="utf-8"))
    return {name: {key: Setting(value, "") for key, value in section.items()}
            for name, section in data.get("signals", {}).items()}


@dataclass
class Checker:
    """Checks one rule-set file (or in-memory mapping) against the registered rules and the shared signals.

    Values are converted in place to their declared types. A built-in rule's bad section raises `ConfigError`;
    a plugin rule's is recorded in `refused` (code -> reason): that rule is switched off and reported as SQ002."""

    source: str
    refused: dict[str, str]
    rules: dict[str, Rule] = field(init=False)
    failed_families: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.rules = {r.code: r for r in all_rules()}
        # the sections of a plugin that failed to load cannot be checked: its SQ002 says its rules do not run
        self.failed_families = frozenset(f.name for f in load_plugins() if f.name not in BUILTIN_FAMILIES) - {
            r.family for r in self.rules.values()}

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {message}")

    def unknown(self, what: str, key: str, valid: Iterable[str], show: Callable[[str], str] = repr,
                where: str = "") -> ConfigError:
        near = nearest(key, valid)
        hint = f"; did you mean {show(near)}?" if near else f" (valid: {', '.join(map(show, sorted(valid)))})"
        return self.error(f"unknown {what} {show(key)}{f' in [{where}]' if where else ''}{hint}")

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(f"[{where}] must be a table, not {value!r}")
        return value

    def check(self, data: dict[str, Any]) -> None:
        for key in data:
            if key not in TOP_SECTIONS:
                raise self.unknown("section", key, TOP_SECTIONS, lambda k: f"[{k}]")
        self.check_rules(self.table(data.get("rules", {}), "rules"), "rules")
        self.check_signals(self.table(data.get("signals", {}), "signals"), "signals")
        for kind in ("labels", "sites"):
            for name, section in self.table(data.get(kind, {}), kind).items():
                where = f"{kind}.{name}"
                for key in self.table(section, where):
                    if key not in SCOPED_SECTIONS:
                        raise self.unknown("section", f"{where}.{key}", [f"{where}.{k}" for k in SCOPED_SECTIONS],
                                           lambda k: f"[{k}]")
                self.check_rules(self.table(section.get("rules", {}), f"{where}.rules"), f"{where}.rules")
                self.check_signals(self.table(section.get("signals", {}), f"{where}.signals"), f"{where}.signals")
        self.check_tables(self.table(data.get("tables", {}), "tables"))
        self.table(data.get("limits", {}), "limits")  # its names and values: `Limits.from_mapping`

    def check_rules(self, rules: dict[str, Any], where: str) -> None:
        codes = [c for c, r in self.rules.items() if r.settings or not r.emitted]  # SQ: the engine's own
        for key, value in rules.items():
            if where == "rules" and key in SELECTION_KEYS:
                self.check_selection(key, value)
            elif key in codes:
                self.check_rule(self.rules[key], self.table(value, f"{where}.{key}"), f"{where}.{key}")
            elif key[:2] not in self.failed_families:
                valid = codes + list(SELECTION_KEYS) if where == "rules" else codes
                raise self.unknown("rule code", key, valid, lambda k: f"[{where}.{k}]")

    def check_rule(self, rule: Rule, section: dict[str, Any], where: str) -> None:
        try:
            for key, value in section.items():
                if key == "enabled" and not isinstance(value, bool):
                    raise self.error(f"[{where}] enabled must be true or false, not {value!r}")
                if key == "severity":
                    try:
                        Severity.parse(str(value))
                    except ValueError as error:
                        raise self.error(f"[{where}] {error}") from None
                elif key in rule.settings:
                    section[key] = self.convert(rule.settings[key], value, f"[{where}] {key}")
                elif key not in RESERVED_KEYS:
                    raise self.unknown("setting", key, [*rule.settings, *RESERVED_KEYS], where=where)
        except ConfigError as error:
            if rule.builtin:
                raise
            self.refused[rule.code] = f"rule {rule.code} refused by its rule set: {error}"

    def convert(self, setting: Setting, value: Any, where: str) -> Any:
        try:
            return setting.convert(value)
        except ValueError as error:
            raise self.error(f"{where}: {error}") from None

    def check_selection(self, key: str, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise self.error(f"[rules] {key} must be a list of rule codes or prefixes, not {value!r}")
        for selector in value:
            known = selector == "ALL" or selector[:2].upper() in self.failed_families or any(
                matches(code, [selector]) for code in self.rules)
            if not known:
                raise self.unknown(f"rule code or prefix in [rules] {key}:", selector,
                                   [*self.rules, *{c[:2] for c in self.rules}, "ALL"])

    def check_signals(self, signals: dict[str, Any], where: str) -> None:
        schema = signal_schema()
        for name, section in signals.items():
            if name not in schema:
                raise self.unknown("signal", name, schema, lambda k: f"[{where}.{k}]")
            for key, value in self.table(section, f"{where}.{name}").items():
                if key not in schema[name]:
                    raise self.unknown("setting", key, schema[name], where=f"{where}.{name}")
                section[key] = self.convert(schema[name][key], value, f"[{where}.{name}] {key}")

    def check_tables(self, tables: dict[str, Any]) -> None:
        from siqa.dataset.tables import TABLE_NAMES  # pandas: only when a rule set maps table columns

        for name, section in tables.items():
            if name not in TABLE_NAMES:
                raise self.unknown("root table", name, TABLE_NAMES, lambda k: f"[tables.{k}]")
            where = f"tables.{name}"
            for key, columns in self.table(section, where).items():
                if key != "columns":
                    raise self.unknown("key", key, ["columns"], where=where)
                if not all(isinstance(v, str) for v in self.table(columns, f"tables.{name}.columns").values()):
                    raise self.error(f"[tables.{name}.columns] maps column names to column names (strings)")


@dataclass(frozen=True)
class RuleSettings:
    """A rule's effective settings at one unit's site: read them as attributes (`ctx.settings.min_offset_ms`),
    or with `get(name)` where the name is data."""

    code: str
    values: dict[str, Any]
    severity: Severity
    source: str

    def get(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"{self.code} declares no setting {name!r} (declared: "
                                 f"{', '.join(self.values) or 'none'})") from None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "values" not in self.__dict__:  # copy and pickle probe before `values` exists
            raise AttributeError(name)
        return self.get(name)


@dataclass
class RuleSet:
    path: Path
    data: dict[str, Any]
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # plugin rules its sections misconfigure: code -> reason

    @classmethod
    def load(cls, name_or_path: str | Path = "default", select: Iterable[str] = (),
             ignore: Iterable[str] = ()) -> RuleSet:
        path = resolve_ruleset_path(name_or_path)
        refused: dict[str, str] = {}
        return cls._build(path, _load(path, refused), select, ignore, refused)

    @classmethod
    def from_mapping(cls, overrides: dict[str, Any], base: str | Path = "default", source: str = "<in memory>",
                     select: Iterable[str] = (), ignore: Iterable[str] = ()) -> RuleSet:
        """A rule set built in memory (a notebook, a test): `overrides` laid over the rule set `base`, shaped
        and checked as a TOML rule set is (`{"rules": {"TS001": {"min_offset_ms": 80.0}}}`)."""
        refused: dict[str, str] = {}
        data = _load(resolve_ruleset_path(base), refused)
        over = copy.deepcopy(dict(overrides))
        if "extends" in over:
            raise ConfigError(f"{source}: an in-memory rule set names its base as `base`, not `extends`")
        Checker(source, refused).check(over)
        return cls._build(Path(source), _merge(data, over), select, ignore, refused)

    @classmethod
    def _build(cls, path: Path, data: dict[str, Any], select: Iterable[str], ignore: Iterable[str],
               refused: dict[str, str]) -> RuleSet:
        rules = data.get("rules", {})
        return cls(path, data, list(select) or list(rules.get("select", ["ALL"])),
                   [*rules.get("ignore", []), *ignore], refused)

    def plugin_failures(self) -> list[PluginFailure]:
        """Plugins that failed to load, and plugin rules this rule set misconfigures: each becomes an SQ002."""
        return [*load_plugins(), *(PluginFailure(code[:2], get_rule(code).module, reason)
                                   for code, reason in sorted(self.refused.items()))]

    def limits(self) -> Limits:
        """What one dataset file may make the reader read or allocate: the defaults, overridden under `[limits]`."""
        from siqa.dataset.decode import Limits  # the decoders import numpy and soundfile: only when auditing

        try:
            return Limits.from_mapping(self.data.get("limits", {}), str(self.path))
        except ValueError as error:
            raise ConfigError(str(error)) from None

    def _layers(self, code: str, site: str | None, label: str | None) -> list[dict[str, Any]]:
        layers = [self.data.get("rules", {}).get(code, {})]
        if label:
            layers.append(self.data.get("labels", {}).get(label, {}).get("rules", {}).get(code, {}))
        if site:
            layers.append(self.data.get("sites", {}).get(site, {}).get("rules", {}).get(code, {}))
        return layers

    def selects(self, code: str) -> bool:
        """Whether the selection (`select`, `ignore`) takes the rule, before per-label and per-site layers."""
        return code not in self.refused and matches(code, self.select) and not matches(code, self.ignore)

    def with_requirements(self) -> RuleSet:
        """This rule set selecting, besides, every rule a selected rule `requires` (ID001 compares what ID004
        computes), unless the rule set ignores it."""
        wanted = {need for rule in all_rules() if self.selects(rule.code) for need in rule.requires}
        added = sorted(c for c in wanted if not self.selects(c) and not matches(c, self.ignore))
        return replace(self, select=[*self.select, *added]) if added else self

    def enabled(self, code: str, site: str | None = None, label: str | None = None) -> bool:
        if not self.selects(code):
            return False
        return all(layer.get("enabled", True) for layer in self._layers(code, site, label))

    def settings(self, code: str, default_severity: Severity, site: str | None = None,
                 label: str | None = None) -> RuleSettings:
        """The rule's declared defaults overridden by the rule set's layers (checked and typed when loaded)."""
        merged: dict[str, Any] = get_rule(code).defaults()
        for layer in self._layers(code, site, label):
            merged.update(layer)
        severity = Severity.parse(merged["severity"]) if "severity" in merged else default_severity
        values = {k: v for k, v in merged.items() if k not in RESERVED_KEYS}
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
        return replace(self, data=data)

    def described(self, code: str) -> dict[str, dict[str, Any]]:
        """Each declared setting of the rule: its type, default, meaning, and its value under this rule set (its
        `[rules.<CODE>]` layer; `overrides` gives the label and site layers)."""
        rule = get_rule(code)
        values = self.settings(code, rule.severity).values
        return {name: {"type": setting.type_name, "default": setting.default, "value": values[name],
                       "doc": setting.doc} for name, setting in rule.settings.items()}

    def overrides(self, code: str) -> dict[str, dict[str, Any]]:
        """What this rule set sets for the rule, by layer (`rules`, `label <name>`, `site <Vnn>`): its doc page
        shows them next to the declared defaults."""
        out = {"rules": dict(self.data.get("rules", {}).get(code, {}))}
        for kind in ("labels", "sites"):
            for name, section in sorted(self.data.get(kind, {}).items()):
                if code in section.get("rules", {}):
                    out[f"{kind[:-1]} {name}"] = dict(section["rules"][code])
        return out
