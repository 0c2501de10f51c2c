from __future__ import annotations

from typing import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.signals.activity import FRAME_SECONDS, file_activity
from siqa.validators.timing.boundaries import boundary_fix, interaction_bounds


@rule("TS003", "silent-edges", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"))
def silent_edges(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Interaction that starts too early or ends too late: long non-speech before the first word or after the
    last one, in both channels.

    ## What it detects
    The time from the interaction's start to the first acoustic speech of either participant, and from the last
    speech to its end, beyond the allowed lead-in and tail. The interaction spans its files, or the boundary
    its row of `interactions.csv` records (`boundary_start`, `boundary_end`, as this rule's fix writes them).

    ## Why it matters
    The interaction's boundaries were annotated loosely: training windows fill with silence or with material
    that belongs to the neighbouring interaction.

    ## Evidence
    `edge`, `silent_seconds`, `proposed_start` or `proposed_end` (the trimmed boundary).

    ## Fix
    Writes the trimmed boundary (keeping `keep_seconds` of silence), in seconds from the files' start, to the
    interaction's row of `interactions.csv`: `boundary_start` or `boundary_end`, a column added to the table
    when it has none (every other row leaves it empty, meaning the file's edge). Unsafe: a curator confirms the
    cut, and the cutting pipeline takes the boundary from the table. `siqa revert` removes it again.

    ## Thresholds
    `max_lead_seconds`, `max_tail_seconds`: silence accepted before the first and after the last speech;
    `keep_seconds`: silence kept by the proposed boundary.
    """
    activities = []
    for pf in interaction.participants:
        try:
            activities.append(file_activity(pf, interaction.partner_of(pf), ctx).speech)
        except ReadError:
            continue
    if not activities:
        return
    first, last = interaction_bounds(interaction, ctx).frames(min(len(a) for a in activities))
    speech = np.logical_or.reduce([a[first:last] for a in activities])
    if not speech.any():
        return
    active = np.flatnonzero(speech)
    start, end = first * FRAME_SECONDS, last * FRAME_SECONDS
    lead, tail = active[0] * FRAME_SECONDS, (len(speech) - active[-1] - 1) * FRAME_SECONDS
    keep = ctx.settings.get("keep_seconds")
    for edge, silent, limit in (("start", lead, ctx.settings.get("max_lead_seconds")),
                                ("end", tail, ctx.settings.get("max_tail_seconds"))):
        if silent <= limit:
            continue
        proposed = round(start + silent - keep, 3) if edge == "start" else round(end - silent + keep, 3)
        span = (start, start + silent) if edge == "start" else (end - silent, end)
        what = "starts too early" if edge == "start" else "ends too late"
        yield ctx.report(interaction, f"{interaction.key} {what}: {silent:.1f} s without speech at the {edge}",
                         span=span, confidence=min(1.0, silent / (2 * limit)),
                         fix=boundary_fix(interaction, ctx, edge, proposed),
                         evidence={"edge": edge, "silent_seconds": round(silent, 3), f"proposed_{edge}": proposed})
