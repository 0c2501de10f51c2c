"""The run summary in the terminal: findings by rule family and site, and the rules that skipped units."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, JustifyMethod
from rich.table import Table

from siqa.outputs.summary import AuditSummary
from siqa.registry import FAMILIES
from siqa.reports.terminal import safe


def render_summary(summary: AuditSummary, console: Console) -> None:
    """Findings by rule family (rows) and site (columns), errors/warnings/infos per cell."""
    sites = sorted({site for _, site, _ in summary.findings})
    table = Table(title=f"siqa: {summary.files} files, {summary.interactions} interactions, "
                        f"{summary.audio_seconds / 3600:.2f} h of audio", title_justify="left")
    table.add_column("family")
    for site in sites:
        table.add_column(site, justify="right")
    table.add_column("total", justify="right", style="bold")
    for family in sorted({fam for fam, _, _ in summary.findings}):
        cells = [_cell(summary, family, site) for site in sites]
        table.add_row(f"{family} {FAMILIES.get(family, '')}", *cells, _cell(summary, family, None))
    console.print(table)
    _render_skips(summary, console)


def _render_skips(summary: AuditSummary, console: Console) -> None:
    """Each rule that could not judge some units: how many, and its most common reason (skips.jsonl)."""
    if not summary.skips:
        return
    table = Table(title="rules that could not judge every unit (each skip and its reason: skips.jsonl)",
                  title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (("rule", "left"), ("units skipped", "right"),
                                                       ("most common reason", "left"))
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    for code, count in sorted(summary.skips.items()):
        top = summary.top_skip_reason(code)
        if top is None:
            reason = "-"
        else:
            reason = safe(top[0]) + ("" if top[1] == count else f" ({top[1]} of {count} units)")
        table.add_row(safe(code), str(count), reason)
    console.print(table)


def _cell(summary: AuditSummary, family: str, site: str | None) -> str:
    by_sev: Counter[str] = Counter()
    for (fam, s, sev), n in summary.findings.items():
        if fam == family and (site is None or s == site):
            by_sev[sev] += n
    parts = [f"[red]{by_sev['error']}E[/]" if by_sev["error"] else "",
             f"[yellow]{by_sev['warning']}W[/]" if by_sev["warning"] else "",
             f"{by_sev['info']}I" if by_sev["info"] else ""]
    return " ".join(p for p in parts if p) or "-"
