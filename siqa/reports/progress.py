"""The audit's progress bar: interactions done, rate, audio speed (x real time) and ETA, on stderr; none with
`--no-progress` or `-q` (a CI log keeps only what it needs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from siqa.audit import Progress as ProgressCallback
from siqa.log import is_quiet


@contextmanager
def audit_progress(console: Console, enabled: bool = True) -> Iterator[ProgressCallback]:
    if not enabled or is_quiet():
        yield lambda event, count, seconds: None
        return
    columns = (TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("audit", total=0, rate="")
        audio = 0.0

        def update(event: str, count: int, seconds: float) -> None:
            nonlocal audio
            if event == "total":
                bar.update(task, total=(bar.tasks[0].total or 0) + count)
                return
            audio += seconds
            elapsed = bar.tasks[0].elapsed or 1e-9
            bar.update(task, advance=count,
                       rate=f"{bar.tasks[0].completed / elapsed:.1f} int/s, {audio / elapsed:.0f}x real time")

        yield update
