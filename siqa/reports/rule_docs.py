"""A rule's public doc page, generated from its docstring and the thresholds of a rule set."""

from __future__ import annotations

from siqa.config import RuleSet
from siqa.registry import FAMILIES, Rule


def rule_page(rule: Rule, ruleset: RuleSet) -> str:
    """Markdown: title line, metadata, the docstring body, then the thresholds table (base and overrides)."""
    lines = [f"# {rule.code} {rule.name}", "", f"**{rule.title}.**", "",
             f"- family: {rule.family} ({FAMILIES[rule.family]})", f"- scope: {rule.scope.value}",
             f"- default severity: {rule.severity.value}", f"- status: {rule.status}",
             f"- reads: {', '.join(rule.reads) or 'nothing beyond the index'}", "",
             "", *rule.body.splitlines(), ""]
    if rule.emitted and not any(ruleset.thresholds(rule.code).values()):  # the engine's own codes (SQ)
        return "\n".join(lines)
    lines += [f"## Thresholds ({ruleset.path.name})", ""]
    layers = ruleset.thresholds(rule.code)
    if not any(layers.values()):
        lines.append("This rule has no thresholds.")
    for layer, values in layers.items():
        if values:
            lines.append(f"- {layer}: " + ", ".join(f"`{k} = {v!r}`" for k, v in sorted(values.items())))
    return "\n".join(lines) + "\n"
