from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "max_clipped_ratio": Setting(0.001, "largest share of samples at the ceiling accepted"),
    "ceiling_tolerance": Setting(0.001, "how close to the peak (a share of it) counts as at the ceiling"),
}


@rule("RQ002", "clipping", scope=Scope.FILE, severity=Severity.WARNING, reads=("wav",), settings=SETTINGS)
def clipping(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Waveform flattened at a ceiling (clipping), at full scale or below it.

    ## What it detects
    The share of samples whose magnitude is within a hair of the channel's peak. Clean speech touches its peak
    a handful of times; a clipped channel sits there for whole stretches, whether the ceiling is full scale or a
    limiter's level. Recorded as the `clipped_ratio` metric.

    ## Why it matters
    Clipping adds harmonics that no later processing removes, and confuses ASR and voice embeddings.

    ## Evidence
    `clipped_ratio`, `ceiling` (the peak magnitude).

    ## Thresholds
    `max_clipped_ratio`; `ceiling_tolerance`: how close to the peak counts as at the ceiling.
    """
    decoded = pf.audio()
    audio, peak = decoded.mono, decoded.peak
    if peak == 0.0:
        return
    ceiling = peak * (1 - ctx.settings.ceiling_tolerance)
    ratio = (np.count_nonzero(audio >= ceiling) + np.count_nonzero(audio <= -ceiling)) / audio.size
    ctx.measure(pf, "clipped_ratio", ratio)
    limit = ctx.settings.max_clipped_ratio
    if ratio > limit:
        yield ctx.report(pf, f"{pf.path('wav')}: {ratio:.2%} of samples sit at the ceiling {peak:.3f}",
                         path=pf.path("wav"), confidence=min(1.0, ratio / (10 * limit)),
                         evidence={"clipped_ratio": ratio, "ceiling": peak})
