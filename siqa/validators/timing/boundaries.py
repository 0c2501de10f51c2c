"""Where an interaction starts and ends within its files, and the fix that moves a boundary.

A release cuts one file per participant and interaction, so the boundary is the files' edges, unless the
interaction's row of `interactions.csv` says otherwise: `boundary_start` and `boundary_end` (seconds from the
files' start; empty, or no such column, means the edge itself; the names can be mapped under
`[tables.interactions.columns]`). Releases do not have these columns: the trimmed-boundary fixes of TS003 and
TS006 add them, so a boundary a curator accepted is honoured by the edge rules (TS002, TS003, TS006) of the next
audit, and the cutting pipeline can take it from the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from siqa.context import BatchInfo, RuleContext, Skip
from siqa.dataset.errors import TableError
from siqa.dataset.units import Interaction
from siqa.findings import Applicability, Fix
from siqa.patches.ops import format_pointer
from siqa.signals.activity import FRAME_SECONDS
from siqa.signals.prompts import TABLE, interactions_column, table_column

COLUMNS = {"start": "boundary_start", "end": "boundary_end"}


@dataclass(frozen=True)
class Bounds:
    start: float = 0.0  # seconds from the files' start
    end: float | None = None  # None: the files' end

    def frames(self, total: int) -> tuple[int, int]:
        """The first frame inside the interaction and the one past its last, of `total` 10 ms frames."""
        first = min(total, int(round(self.start / FRAME_SECONDS)))
        last = total if self.end is None else min(total, int(round(self.end / FRAME_SECONDS)))
        return first, max(first, last)


def interaction_bounds(interaction: Interaction, ctx: RuleContext) -> Bounds:
    """The interaction's boundary within its files; Skip when its row holds one that is not a number of seconds."""
    return ctx.signals.get("bounds", interaction.key, lambda: _read_bounds(interaction, ctx))


def _read_bounds(interaction: Interaction, ctx: RuleContext) -> Bounds:
    tables = ctx.batch.tables
    try:
        frame = tables.interactions if tables is not None else None
    except TableError:
        return Bounds()  # the prompt rules report the broken table; its boundaries are the files' edges
    if frame is None or not frame.columns.isin(list(COLUMNS.values())).any():
        return Bounds()
    row = frame[frame["interaction_key"] == interaction.key]
    values: dict[str, float | None] = {}
    for edge, canonical in COLUMNS.items():
        text = str(row[canonical].iloc[0]).strip() if canonical in row and len(row) == 1 else ""
        try:
            value = float(text) if text else None
        except ValueError:
            value = math.nan
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise Skip(f"{TABLE}: {interaction.key}'s {interactions_column(ctx, canonical)} is {text!r}, "
                       "not a number of seconds: the interaction's edges are unknown")
        values[edge] = value
    start, end = values["start"] or 0.0, values["end"]
    if end is not None and end <= start:
        raise Skip(f"{TABLE}: {interaction.key} ends ({end:g} s) before it starts ({start:g} s)")
    return Bounds(start, end)


def boundary_fix(interaction: Interaction, ctx: RuleContext, edge: str, seconds: float) -> Fix:
    """Move the interaction's `edge` ("start" or "end") to `seconds`: its row's boundary column, added when the
    table has none. Unsafe: a person should confirm the cut before the cutting pipeline takes it."""
    return table_boundary_fix(interaction.key, ctx.batch, edge, seconds)


def table_boundary_fix(key: str, batch: BatchInfo, edge: str, seconds: float) -> Fix:
    """`boundary_fix` where only the batch is at hand (a batch pass)."""
    column = table_column(batch, COLUMNS[edge])
    return Fix(Applicability.UNSAFE, f"{TABLE}#{key}",
               [{"op": "add", "path": format_pointer([column]), "value": f"{seconds:.3f}"}],
               f"move the interaction's {edge} to {seconds:.2f} s")
