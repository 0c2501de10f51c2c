"""An audit plan: the rule set, the rules it schedules, and the batch being audited. Picklable for workers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from siqa.config import RuleSet, RuleSettings
from siqa.context import BatchInfo
from siqa.findings import Scope
from siqa.registry import Rule, all_rules, get_rule


@dataclass(frozen=True)
class Plan:
    ruleset: RuleSet
    codes: tuple[str, ...]
    batch: BatchInfo
    cache_dir: Path | None = None
    tables_digest: str = ""  # the root tables' content (`RootTables.digest`), part of every cached result's key

    @classmethod
    def build(cls, ruleset: RuleSet, batch: BatchInfo, cache_dir: Path | None = None) -> Plan:
        """Schedule every registered rule the rule set selects for some site (per-site disabling happens per unit)."""
        codes = tuple(r.code for r in all_rules() if not r.emitted and (
            ruleset.enabled(r.code, label=batch.label) or _enabled_for_some_site(ruleset, r.code, batch.label)))
        digest = batch.tables.digest() if cache_dir is not None and batch.tables is not None else ""
        return cls(ruleset, codes, batch, cache_dir, digest)

    def rules(self, scope: Scope) -> list[Rule]:
        return [rule for rule in map(get_rule, self.codes) if rule.scope is scope]

    def signal_settings(self, site: str) -> dict:
        """Every shared-signal setting in force at `site`, and the root tables' digest (part of each cached
        result's key)."""
        sites = self.ruleset.data.get("sites", {})
        return {"base": self.ruleset.data.get("signals", {}), "site": sites.get(site, {}).get("signals", {}),
                "tables": self.tables_digest}

    def settings_for(self, rule: Rule, site: str) -> RuleSettings | None:
        """The rule's settings at `site`, or None where the rule set disables it there."""
        if not self.ruleset.enabled(rule.code, site=site, label=self.batch.label):
            return None
        return self.ruleset.settings(rule.code, rule.severity, site=site, label=self.batch.label)


def _enabled_for_some_site(ruleset: RuleSet, code: str, label: str) -> bool:
    return any(ruleset.enabled(code, site=site, label=label) for site in ruleset.data.get("sites", {}))
