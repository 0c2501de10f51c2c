from __future__ import annotations

from typing import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.registry import rule
from siqa.signals.activity import FRAME_SECONDS, file_activity


@rule("TS003", "silent-edges", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"))
def silent_edges(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Interaction that starts too early or ends too late: long non-speech before the first word or after the
    last one, in both channels.

    ## What it detects
    The time from the file's start to the first acoustic speech of either participant, and from the last speech
    to the end, beyond the allowed lead-in and tail.

    ## Why it matters
    The interaction's boundaries were annotated loosely: training windows fill with silence or with material
    that belongs to the neighbouring interaction.

    ## Evidence
    `edge`, `silent_seconds`, `proposed_start` or `proposed_end` (the trimmed boundary).

    ## Fix
    Proposes the trimmed boundary (keeping `keep_seconds` of silence) for the interaction's row of
    `interactions.csv`, display-only: the release's tables have no boundary column to patch, so the boundary
    is shown for the curator to carry into the cutting pipeline.

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
    if not activities or not any(a.any() for a in activities):
        return
    frames = min(len(a) for a in activities)
    speech = np.logical_or.reduce([a[:frames] for a in activities])
    if not speech.any():
        return
    active = np.flatnonzero(speech)
    duration = frames * FRAME_SECONDS
    lead, tail = active[0] * FRAME_SECONDS, duration - (active[-1] + 1) * FRAME_SECONDS
    keep = ctx.settings.get("keep_seconds")
    for edge, silent, limit in (("start", lead, ctx.settings.get("max_lead_seconds")),
                                ("end", tail, ctx.settings.get("max_tail_seconds"))):
        if silent <= limit:
            continue
        proposed = round(silent - keep, 3) if edge == "start" else round(duration - silent + keep, 3)
        key = "proposed_start" if edge == "start" else "proposed_end"
        fix = Fix(Applicability.DISPLAY_ONLY, f"interactions.csv#{interaction.key}",
                  [{"op": "add", "path": f"/{key}", "value": proposed}],
                  f"move the interaction's {edge} to {proposed:.2f} s")
        span = (0.0, silent) if edge == "start" else (duration - silent, duration)
        what = "starts too early" if edge == "start" else "ends too late"
        yield ctx.report(interaction, f"{interaction.key} {what}: {silent:.1f} s without speech at the {edge}",
                         span=span, confidence=min(1.0, silent / (2 * limit)), fix=fix,
                         evidence={"edge": edge, "silent_seconds": round(silent, 3), key: proposed})
