"""The audit's progress bar: interactions done, rate, audio speed (x real time) and ETA, on stderr."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from siqa.audit import Progress as ProgressCallback


@contextmanager
def audit_progress(console: Console) -> Iterator[ProgressCallback]:
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
