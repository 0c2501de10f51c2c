from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.activity import FRAME_SECONDS, annotated_curve, spans
from siqa.signals.alignment import file_timing


def f1(annotated: np.ndarray, acoustic: np.ndarray) -> float:
    both = float(np.sum(annotated & acoustic))
    total = float(annotated.sum() + acoustic.sum())
    return 2 * both / total if total else 1.0


SETTINGS = {
    "min_f1": Setting(0.6, "least frame agreement (F1) of VAD with acoustic speech accepted"),
    "min_span_seconds": Setting(0.3, "shortest disagreement listed as a span"),
}


@rule("TS004", "vad-disagreement", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"),
      settings=SETTINGS)
def vad_disagreement(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Annotated VAD that disagrees with the acoustic speech frame by frame, beyond a global offset.

    ## What it detects
    After removing the file's global offset (TS001 reports that), the frame-level F1 between `metadata:vad` and
    acoustic own speech below the threshold. The spans are the longest stretches where the two disagree.

    ## Why it matters
    Local VAD errors (missed utterances, speech marked in silence, the partner's speech marked as one's own)
    corrupt every VAD-driven crop, turn-taking label and speaking-time statistic.

    ## Evidence
    `f1`, `offset_ms` removed first, `missed_seconds` (acoustic speech without VAD), `extra_seconds` (VAD
    without acoustic speech), `spans` (up to 10).

    ## Thresholds
    `min_f1`: the least agreement accepted; `min_span_seconds`: shortest disagreement listed as a span.
    """
    for pf in interaction.participants:
        if not (pf.has("wav") and pf.has("json")):
            continue
        timing = file_timing(pf, interaction, ctx)  # a Skip here names the silent or speechless channel
        acoustic = timing.activity.speech
        annotated = annotated_curve(pf.meta().vad().items, len(acoustic), -timing.offset_seconds)
        score = f1(annotated, acoustic)
        if score >= ctx.settings.min_f1:
            continue
        min_frames = int(ctx.settings.min_span_seconds / FRAME_SECONDS)
        disagreement = spans(annotated != acoustic, min_frames)
        longest = sorted(disagreement, key=lambda s: s[0] - s[1])[:10]
        yield ctx.report(
            pf, f"{pf.path('json')}: VAD agrees with the audio's speech at F1 {score:.2f} only", path=pf.path("json"),
            span=(min(s for s, _ in longest), max(e for _, e in longest)) if longest else None,
            confidence=min(1.0, (ctx.settings.min_f1 - score) / ctx.settings.min_f1 + 0.5),
            evidence={"f1": round(score, 4), "offset_ms": round(timing.offset_seconds * 1000, 1),
                      "missed_seconds": round(float((acoustic & ~annotated).sum() * FRAME_SECONDS), 2),
                      "extra_seconds": round(float((annotated & ~acoustic).sum() * FRAME_SECONDS), 2),
                      "spans": [[round(s, 2), round(e, 2)] for s, e in sorted(longest)]})


