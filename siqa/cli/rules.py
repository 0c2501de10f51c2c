"""`siqa rules [CODE]`: list every rule, print one rule's doc page with its settings, or the catalogue as JSON."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from siqa.config import RuleSet
    from siqa.registry import Rule


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def catalogue_entry(rule: Rule, ruleset: RuleSet) -> dict[str, Any]:
    """One rule, machine-readable (as `ruff rule --output-format json`): its metadata, each declared setting
    (type, default, meaning, and its value under `ruleset`), what `ruleset` overrides per label and site, and
    the doc text."""
    from siqa.registry import FAMILIES

    return {
        "code": rule.code, "name": rule.name, "title": rule.title, "family": rule.family,
        "family_name": FAMILIES[rule.family], "scope": rule.scope.value, "severity": rule.severity.value,
        "status": rule.status, "reads": list(rule.reads), "requires": list(rule.requires),
        "version": rule.version, "emitted": rule.emitted,
        "builtin": rule.builtin, "module": rule.module, "rule_set": str(ruleset.path),
        "settings": ruleset.described(rule.code),
        "overrides": {layer: values for layer, values in ruleset.overrides(rule.code).items() if values},
        "doc": rule.doc,
    }


def rules(
    code: str | None = typer.Argument(None, help="A rule code (e.g. IN001) for its doc page."),
    ruleset: str = typer.Option("default", "--rules", help="Rule set whose values the settings show."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--output-format",
                                               help="text (a table, or the doc page), or json (the catalogue)."),
    export: Path | None = typer.Option(None, help="Write every rule's doc page as <CODE>.md into this folder."),
) -> None:
    """List rules (code, title, status, default severity), or show one rule's doc page with each setting's type,
    default and value under --rules. --output-format json prints the catalogue (or one rule) for tools."""
    from rich.console import Console

    from siqa.config import ConfigError, RuleSet
    from siqa.exit_codes import ExitCode
    from siqa.registry import RegistryError, all_rules, get_rule
    from siqa.reports.terminal import safe

    try:
        loaded = RuleSet.load(ruleset)
        chosen = [get_rule(code)] if code is not None else all_rules()
    except (RegistryError, ConfigError) as error:
        Console(stderr=True, emoji=False).print(f"[red]siqa rules: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    if output_format is OutputFormat.json:
        entries = [catalogue_entry(rule, loaded) for rule in chosen]
        typer.echo(json.dumps(entries[0] if code is not None else entries, indent=2, default=str))
    elif export is not None:
        _export(export, chosen, loaded)
    elif code is None:
        _table(chosen)
    else:
        _page(chosen[0], loaded)


def _export(folder: Path, chosen: list[Rule], ruleset: RuleSet) -> None:
    from rich.console import Console

    from siqa.reports.rule_docs import rule_page

    folder.mkdir(parents=True, exist_ok=True)
    for rule in chosen:
        (folder / f"{rule.code}.md").write_text(rule_page(rule, ruleset), encoding="utf-8")
    Console(emoji=False).print(f"wrote {len(chosen)} rule pages to {folder}")


def _table(chosen: list[Rule]) -> None:
    from rich.console import Console
    from rich.table import Table

    from siqa.registry import FAMILIES
    from siqa.reports.terminal import safe

    table = Table(title="siqa rules")
    for column in ("code", "name", "title", "status", "severity"):
        table.add_column(column)
    family = None
    for rule in chosen:
        if rule.family != family:
            family = rule.family
            table.add_section()
            table.add_row(f"[bold]{family}[/]", f"[bold]{safe(FAMILIES[family])}[/]", "", "", "")
        table.add_row(rule.code, safe(rule.name), safe(rule.title), rule.status, rule.severity.value)
    Console(emoji=False).print(table)


def _page(rule: Rule, ruleset: RuleSet) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    from siqa.reports.gate.text import visible_controls
    from siqa.reports.rule_docs import rule_page

    page = visible_controls(rule_page(rule, ruleset))  # a plugin's doc page may carry control characters
    Console(emoji=False).print(Markdown(page))


def register(app: typer.Typer) -> None:
    app.command()(rules)
