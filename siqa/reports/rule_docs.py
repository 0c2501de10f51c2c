"""A rule's public doc page, generated from its docstring, its declared settings and a rule set's values."""

from __future__ import annotations

from siqa.config import RuleSet
from siqa.registry import FAMILIES, Rule


def rule_page(rule: Rule, ruleset: RuleSet) -> str:
    """Markdown: title line, metadata, the docstring body, then its settings (type, default, value under
    `ruleset`, meaning) and what the rule set overrides per label and site."""
    lines = [f"# {rule.code} {rule.name}", "", f"**{rule.title}.**", "",
             f"- family: {rule.family} ({FAMILIES[rule.family]})", f"- scope: {rule.scope.value}",
             f"- default severity: {rule.severity.value}", f"- status: {rule.status}",
             f"- reads: {', '.join(rule.reads) or 'nothing beyond the index'}",
             *([f"- requires: {', '.join(rule.requires)} (selected with it)"] if rule.requires else []), "",
             "", *rule.body.splitlines(), ""]
    overrides = {layer: values for layer, values in ruleset.overrides(rule.code).items() if values}
    if rule.emitted and not rule.settings and not overrides:  # the engine's own codes (SQ)
        return "\n".join(lines)
    lines += [f"## Settings (rule set {ruleset.path.name})", ""]
    described = ruleset.described(rule.code)
    if not described:
        lines.append("This rule has no settings.")
    else:
        lines += ["| setting | type | default | value | meaning |", "|---|---|---|---|---|"]
        lines += [f"| `{name}` | {s['type']} | `{s['default']!r}` | `{s['value']!r}` | {s['doc']} |"
                  for name, s in described.items()]
    if overrides:
        lines += ["", "Set by the rule set:"]
    for layer, values in overrides.items():
        lines.append(f"- {layer}: " + ", ".join(f"`{k} = {v!r}`" for k, v in sorted(values.items())))
    return "\n".join(lines) + "\n"
