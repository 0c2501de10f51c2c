"""Terminal rendering of dataset text: markup and control sequences from the data never reach the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from siqa.findings import Finding
from siqa.reports.gate.text import visible_controls


def safe(text: str) -> str:
    """Dataset text for a rich console: control characters (ESC, CSI, OSC, BEL, backspace, carriage return,
    direction overrides) made visible, rich markup escaped (`[red]` prints as written). Tab and newline stay."""
    return escape(visible_controls(text).replace("\r", "\\x0d"))


_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def findings_table(findings: Iterable[Finding], console: Console) -> None:
    table = Table(show_lines=False)
    for column in ("code", "severity", "conf", "unit", "span", "message"):
        table.add_column(column, overflow="fold")
    for f in findings:
        span = f"{f.span[0]:.2f}-{f.span[1]:.2f}" if f.span else ""
        style = _SEVERITY_STYLE[f.severity.value]
        table.add_row(f.code, f"[{style}]{f.severity.value}[/]", f"{f.confidence:.2f}", safe(f.unit_key), span,
                      safe(f.message))
    console.print(table)
