"""What `apply` and `revert` print on stderr: a rich table of counts per status, then one line per fix or file
that was not done (refused, in conflict, or skipped by a curator's decision, with the verdict), unwrapped so the
file it names can be copied whole.

Targets and reasons come from an untrusted patches file, so they go through `reports.terminal.safe`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum

from rich.console import Console
from rich.table import Table

from siqa.patches.report import ApplyReport, Status
from siqa.patches.revert import RevertReport, RevertStatus
from siqa.reports.terminal import safe

_STYLE: dict[Enum, str] = {
    Status.APPLIED: "green", Status.ALREADY: "cyan", Status.REFUSED: "red", Status.CONFLICT: "yellow",
    Status.SKIPPED: "dim", Status.DECLINED: "magenta", RevertStatus.RESTORED: "green", RevertStatus.ORIGINAL: "cyan",
    RevertStatus.REFUSED: "red"}


def _counts(console: Console, title: str, statuses: Iterable[Enum], seen: Sequence[Enum],
            headings: Mapping[Enum, str] | None = None) -> None:
    table = Table(title=title)
    cells = []
    for status in statuses:
        table.add_column((headings or {}).get(status, str(status.value)), justify="right")
        cells.append(f"[{_STYLE[status]}]{seen.count(status)}[/]")
    table.add_row(*cells)
    console.print(table)


def render_apply(report: ApplyReport, console: Console, dry_run: bool) -> None:
    title = "siqa apply (dry run: nothing written)" if dry_run else "siqa apply"
    seen = [o.status for o in report.outcomes.values()]
    _counts(console, title, [s for s in Status if s is not Status.DECLINED or s in seen], seen,
            {Status.APPLIED: "would apply"} if dry_run else None)
    for o in report.outcomes.values():
        if o.status in (Status.REFUSED, Status.CONFLICT, Status.DECLINED):
            console.print(f"[{_STYLE[o.status]}]{o.status.value}[/] {safe(o.code)} {o.fix_id} "
                          f"{safe(', '.join(o.targets))}: {safe(o.reason)}", soft_wrap=True, highlight=False)


def render_revert(report: RevertReport, console: Console) -> None:
    _counts(console, "siqa revert", RevertStatus, [f.status for f in report.files])
    for f in report.files:
        if f.status is RevertStatus.REFUSED:
            console.print(f"[red]refused[/] {safe(f.reason)}", soft_wrap=True, highlight=False)
