"""The gate's policy: how much worse a release may get than the previous one, per rule family and per site.

Layers, most specific last: `[defaults]`, `[families.<XX>]`, `[sites.<Vnn>]`, `[sites.<Vnn>.families.<XX>]`.
An unknown key or a value of the wrong type is an error, never ignored: a misspelt allowance must not silently
let a worse release through.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from siqa.config import builtin_rules_dir

DEFAULT_POLICY = "gate.toml"


class PolicyError(Exception):
    pass


@dataclass(frozen=True)
class Allowance:
    new_errors: int = 0  # error findings the baseline did not have
    rate_increase: float = 0.0  # rise of a family's flagged-interaction rate (a fraction: 0.02 = 2 points)
    max_rate: float = 1.0  # ceiling on a family's rate, whatever the baseline
    score_drop: float = 0.0  # fall of a site's score (percentage points)
    min_interactions: int = 0  # below this many interactions a site's rates and score are too noisy to judge


_FAMILY_KEYS = {"new_errors", "rate_increase", "max_rate", "min_interactions"}
_SITE_KEYS = {f.name for f in fields(Allowance)}
_TOP_KEYS = {"defaults", "families", "sites", "fingerprint"}


@dataclass(frozen=True)
class Policy:
    path: Path
    defaults: Allowance
    families: dict[str, dict[str, Any]]
    sites: dict[str, dict[str, Any]]
    span_seconds: float  # findings' spans are rounded to this before fingerprinting

    def allowance(self, site: str, family: str | None = None) -> Allowance:
        site_layer = self.sites.get(site, {})
        layers = [{k: v for k, v in site_layer.items() if k != "families"}]
        if family is not None:
            layers = [self.families.get(family, {}), *layers, site_layer.get("families", {}).get(family, {})]
        allowance = self.defaults
        for layer in layers:
            allowance = replace(allowance, **layer)
        return allowance


def resolve_policy(path: Path | None) -> Path:
    """The given policy file, else `rules/gate.toml` (of the source tree or the installed package)."""
    return path if path is not None else builtin_rules_dir() / DEFAULT_POLICY


def load_policy(path: Path | None = None) -> Policy:
    path = resolve_policy(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PolicyError(f"cannot read gate policy {path}: {error}") from None
    _known(data, _TOP_KEYS, str(path))
    defaults = _layer(data.get("defaults", {}), _SITE_KEYS, "[defaults]")
    families = {name: _layer(layer, _FAMILY_KEYS, f"[families.{name}]")
                for name, layer in _table(data.get("families", {}), "[families]").items()}
    sites = {}
    for site, layer in _table(data.get("sites", {}), "[sites]").items():
        own = {k: v for k, v in _table(layer, f"[sites.{site}]").items() if k != "families"}
        own = _layer(own, _SITE_KEYS, f"[sites.{site}]")
        nested = {name: _layer(inner, _FAMILY_KEYS, f"[sites.{site}.families.{name}]")
                  for name, inner in _table(layer.get("families", {}), f"[sites.{site}.families]").items()}
        sites[site] = {**own, "families": nested}
    fingerprint = _table(data.get("fingerprint", {}), "[fingerprint]")
    _known(fingerprint, {"span_seconds"}, "[fingerprint]")
    span_seconds = _number(fingerprint.get("span_seconds", 0.5), "[fingerprint] span_seconds")
    if span_seconds <= 0:
        raise PolicyError(f"{path}: [fingerprint] span_seconds must be positive")
    return Policy(path, replace(Allowance(), **defaults), families, sites, span_seconds)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PolicyError(f"gate policy: {where} must be a table")
    return value


def _known(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PolicyError(f"gate policy: unknown key(s) {', '.join(unknown)} in {where} "
                          f"(allowed: {', '.join(sorted(allowed))})")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PolicyError(f"gate policy: {where} must be a non-negative number, not {value!r}")
    return float(value)


def _layer(table: Any, allowed: set[str], where: str) -> dict[str, Any]:
    """A validated layer: known keys, non-negative numbers, whole numbers for counts, fractions for rates."""
    _known(_table(table, where), allowed, where)
    out: dict[str, Any] = {}
    for key, value in table.items():
        number = _number(value, f"{where} {key}")
        if key in ("new_errors", "min_interactions"):
            if number != int(number):
                raise PolicyError(f"gate policy: {where} {key} must be a whole number, not {value!r}")
            number = int(number)
        elif key in ("rate_increase", "max_rate") and number > 1:
            raise PolicyError(f"gate policy: {where} {key} is a fraction (0 to 1) of interactions, "
                              f"not {value!r}")
        out[key] = number
    return out
