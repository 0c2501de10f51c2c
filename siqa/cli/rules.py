"""`siqa rules [CODE]`: list every rule, or print one rule's doc page with its thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def rules(
    code: Optional[str] = typer.Argument(None, help="A rule code (e.g. IN001) for its doc page."),
    ruleset: str = typer.Option("default", "--rules", help="Rule set whose thresholds the doc page shows."),
    export: Optional[Path] = typer.Option(None, help="Write every rule's doc page as <CODE>.md into this folder."),
) -> None:
    """List rules (code, title, status, default severity), or show one rule's doc page."""
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.table import Table

    from siqa.config import ConfigError, RuleSet
    from siqa.registry import FAMILIES, RegistryError, all_rules, get_rule
    from siqa.reports.gate.text import visible_controls
    from siqa.reports.rule_docs import rule_page
    from siqa.reports.terminal import safe

    console = Console(emoji=False)
    if export is not None:
        export.mkdir(parents=True, exist_ok=True)
        rules_loaded = RuleSet.load(ruleset)
        for rule in all_rules():
            (export / f"{rule.code}.md").write_text(rule_page(rule, rules_loaded), encoding="utf-8")
        console.print(f"wrote {len(all_rules())} rule pages to {export}")
        return
    if code is None:
        table = Table(title="siqa rules")
        for column in ("code", "name", "title", "status", "severity"):
            table.add_column(column)
        family = None
        for rule in all_rules():
            if rule.family != family:
                family = rule.family
                table.add_section()
                table.add_row(f"[bold]{family}[/]", f"[bold]{FAMILIES[family]}[/]", "", "", "")
            table.add_row(rule.code, safe(rule.name), safe(rule.title), rule.status, rule.severity.value)
        console.print(table)
        return
    try:
        page = rule_page(get_rule(code), RuleSet.load(ruleset))
    except (RegistryError, ConfigError) as error:
        Console(stderr=True, emoji=False).print(f"[red]siqa rules: {safe(str(error))}[/]", highlight=False)
        raise typer.Exit(2) from None
    console.print(Markdown(visible_controls(page)))  # plugins' doc pages may carry control characters


def register(app: typer.Typer) -> None:
    app.command()(rules)
