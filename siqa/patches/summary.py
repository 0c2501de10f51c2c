"""The rich tables `apply` and `revert` print on stderr: counts per status, then every fix or file not done.

Targets and reasons come from an untrusted patches file, so they go through `reports.terminal.safe`.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from siqa.patches.apply import ApplyReport, Status
from siqa.patches.revert import RevertReport, RevertStatus
from siqa.reports.terminal import safe

_APPLY_STYLE = {Status.APPLIED: "green", Status.ALREADY: "cyan", Status.REFUSED: "red", Status.CONFLICT: "yellow",
                Status.SKIPPED: "dim"}
_REVERT_STYLE = {RevertStatus.RESTORED: "green", RevertStatus.ORIGINAL: "cyan", RevertStatus.REFUSED: "red"}


def render_apply(report: ApplyReport, console: Console, dry_run: bool) -> None:
    counts = report.counts()
    table = Table(title="siqa apply (dry run: nothing written)" if dry_run else "siqa apply")
    for status in Status:
        table.add_column("would apply" if dry_run and status is Status.APPLIED else status.value, justify="right")
    table.add_row(*(f"[{_APPLY_STYLE[s]}]{counts.get(s, 0)}[/]" for s in Status))
    console.print(table)
    problems = [o for o in report.outcomes.values() if o.status in (Status.REFUSED, Status.CONFLICT)]
    if problems:
        detail = Table(title="not applied", show_lines=False)
        for column in ("fix", "code", "status", "target", "reason"):
            detail.add_column(column, overflow="fold")
        for o in problems:
            detail.add_row(o.fix_id, safe(o.code), f"[{_APPLY_STYLE[o.status]}]{o.status.value}[/]",
                           safe(", ".join(o.targets)), safe(o.reason))
        console.print(detail)


def render_revert(report: RevertReport, console: Console) -> None:
    table = Table(title="siqa revert")
    for column in ("file", "status", "reason"):
        table.add_column(column, overflow="fold")
    for f in report.files:
        table.add_row(safe(f.file), f"[{_REVERT_STYLE[f.status]}]{f.status.value}[/]", safe(f.reason))
    console.print(table)
