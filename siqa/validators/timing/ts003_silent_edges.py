from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction
from siqa.findings import Scope, Severity
from siqa.norms import Candidate, norm_settings
from siqa.registry import Setting, rule
from siqa.signals.activity import FRAME_SECONDS, annotated_speech, file_activity
from siqa.validators.timing.boundaries import boundary_fix, interaction_bounds

SETTINGS = {
    **norm_settings(unit="seconds", tolerance=3.5, min_effect=2.5, min_units=12, fallback_high=4.0),
    "keep_seconds": Setting(1.0, "silence kept by the proposed boundary (seconds)"),
    "annotation_margin_seconds": Setting(0.5, "acoustic activity this close to an annotated segment is speech"),
}


@rule("TS003", "silent-edges", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"), version=3,
      settings=SETTINGS)
def silent_edges(interaction: Interaction, ctx: RuleContext) -> Iterator[Candidate]:
    """Interaction that starts too early or ends too late: long non-speech before the first word or after the
    last one, in both channels.

    ## What it detects
    The time from the interaction's start to the first speech of either participant (the lead-in), and from the
    last speech to its end (the tail), speech being acoustic activity that the channel's VAD or transcript
    confirms within `annotation_margin_seconds` (a door or a cough in a silent stretch is not speech; a channel
    without annotations counts its acoustic activity alone), against the lead-ins (tails) of every interaction
    of the same site in the batch: reported when it exceeds their median by `tolerance` robust spreads and at
    least `min_effect` seconds. Real conversations end one to three seconds after the last word, and how long
    depends on the site's procedure, so the norm is measured (`norms.jsonl`, the site page). The interaction
    spans its files, or the boundary its row of `interactions.csv` records (`boundary_start`, `boundary_end`,
    as this rule's fix writes them).

    ## Why it matters
    The interaction's boundaries were annotated loosely: training windows fill with silence or with material
    that belongs to the neighbouring interaction.

    ## Evidence
    `edge`, `silent_seconds`, `proposed_start` or `proposed_end` (the trimmed boundary), the site's norm under
    `norm`.

    ## Fix
    Writes the trimmed boundary (keeping `keep_seconds` of silence), in seconds from the files' start, to the
    interaction's row of `interactions.csv`: `boundary_start` or `boundary_end`, a column added to the table
    when it has none (every other row leaves it empty, meaning the file's edge). Unsafe: a curator confirms the
    cut, and the cutting pipeline takes the boundary from the table. `siqa revert` removes it again.

    ## Thresholds
    `tolerance` (robust spreads), `min_effect` (seconds), `min_units`; below that sample size `fallback_high`
    (seconds) is an absolute limit. `keep_seconds`: silence kept by the proposed boundary;
    `annotation_margin_seconds`: how far from an annotated segment acoustic activity still counts as speech.
    """
    activities = []
    margin = ctx.settings.annotation_margin_seconds
    for pf in interaction.participants:
        try:
            speech = file_activity(pf, interaction.partner_of(pf), ctx).speech
        except ReadError:
            continue
        annotated = annotated_speech(pf, len(speech), margin)
        activities.append(speech if annotated is None else speech & annotated)
    if not activities:
        return
    first, last = interaction_bounds(interaction, ctx).frames(min(len(a) for a in activities))
    speech = np.logical_or.reduce([a[first:last] for a in activities])
    if not speech.any():
        return
    active = np.flatnonzero(speech)
    start, end = first * FRAME_SECONDS, last * FRAME_SECONDS
    lead, tail = active[0] * FRAME_SECONDS, (len(speech) - active[-1] - 1) * FRAME_SECONDS
    keep = ctx.settings.keep_seconds
    for edge, silent, metric in (("start", lead, "lead_seconds"), ("end", tail, "tail_seconds")):
        trim = max(silent - keep, 0.0)
        proposed = round(start + trim, 3) if edge == "start" else round(end - trim, 3)
        span = (start, start + silent) if edge == "start" else (end - silent, end)
        what = "starts too early" if edge == "start" else "ends too late"
        yield ctx.candidate(interaction, f"{interaction.key} {what}: {silent:.1f} s without speech at the {edge}",
                            metric=metric, value=silent, side="high", label=f"silence at the {edge}", unit_name="s",
                            span=span, fix=boundary_fix(interaction, ctx, edge, proposed),
                            evidence={"edge": edge, "silent_seconds": round(silent, 3), f"proposed_{edge}": proposed})
