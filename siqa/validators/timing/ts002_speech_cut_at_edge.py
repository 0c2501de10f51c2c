from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.activity import FRAME_SECONDS, annotated_speech, file_activity, spans
from siqa.validators.timing.boundaries import interaction_bounds

SETTINGS = {
    "edge_seconds": Setting(0.2, "how close to the edge acoustic speech must be to count as cut (a pause between "
                                 "words is shorter; clean recordings end later)"),
    "annotation_seconds": Setting(0.3, "how close to the edge an annotated segment must reach to confirm the "
                                       "cut"),
}


@rule("TS002", "speech-cut-at-edge", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"),
      version=2, settings=SETTINGS)
def speech_cut_at_edge(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Interaction that starts too late or ends too early: speech is already under way at the first frame, or
    still under way at the last.

    ## What it detects
    Acoustic own speech in either channel within `edge_seconds` of the interaction's start or end (its files'
    edges, or the boundary its row of `interactions.csv` records, as TS003 describes), which the channel's
    annotations confirm: a VAD or transcript segment, widened by `annotation_seconds`, reaches those edge frames
    too (a channel without annotations counts its acoustic activity alone). The
    recording was cut inside an utterance, so its beginning (or end) is missing. A breath, a laugh or a door at
    the edge is sound but no annotated speech, and is not a cut.

    ## Why it matters
    The first or last words are truncated: transcripts begin mid-sentence and models learn from broken turns.

    ## Evidence
    `edge` (start or end), `channels` (file ids speaking at the edge), `burst_seconds` (length of the speech
    touching the edge), `estimated_missing_seconds` (the speaker's median utterance length minus that burst).
    The confidence is the share of the edge frames that hold speech.

    ## Thresholds
    `edge_seconds`: how close to the edge acoustic speech must be to count as cut; `annotation_seconds`: how
    close to it an annotated segment must reach to confirm it.
    """
    edge_frames = max(1, int(round(ctx.settings.edge_seconds / FRAME_SECONDS)))
    bounds = interaction_bounds(interaction, ctx)
    per_edge: dict[str, list[tuple[str, float, float, float]]] = {"start": [], "end": []}
    start, end = bounds.start, 0.0
    for pf in interaction.participants:
        try:
            speech = file_activity(pf, interaction.partner_of(pf), ctx).speech
        except ReadError:
            continue
        first, last = bounds.frames(len(speech))
        speech, end = speech[first:last], max(end, last * FRAME_SECONDS)
        if not speech.any():
            continue
        utterances = spans(speech, 1)
        typical = float(np.median([e - s for s, e in utterances]))
        annotated = annotated_speech(pf, last, ctx.settings.annotation_seconds)
        confirmed = {"start": annotated is None or annotated[first:first + edge_frames].any(),
                     "end": annotated is None or annotated[last - edge_frames:last].any()}
        for edge, frames, (begin, finish) in (("start", speech[:edge_frames], utterances[0]),
                                              ("end", speech[-edge_frames:], utterances[-1])):
            if frames.any() and confirmed[edge]:
                burst = finish - begin
                per_edge[edge].append((str(pf.file_id), burst, max(0.0, typical - burst), float(frames.mean())))
    for edge, hits in per_edge.items():
        if not hits:
            continue
        burst = max(h[1] for h in hits)
        missing = max(h[2] for h in hits)
        span = (start, start + burst) if edge == "start" else (max(start, end - burst), end)
        what = f"starts too late: speech is under way at {start:g} s" if edge == "start" else \
            "ends too early: speech is still under way at the end"
        yield ctx.report(interaction, f"{interaction.key} {what} (about {missing:.1f} s missing)", span=span,
                         confidence=max(h[3] for h in hits), evidence={"edge": edge, "channels": [h[0] for h in hits],
                                                   "burst_seconds": round(burst, 3),
                                                   "estimated_missing_seconds": round(missing, 3)})

