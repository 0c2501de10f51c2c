from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "min_dropout_ms": Setting(20.0, "shortest stretch of exactly zero samples reported as a dropout (ms)"),
}


@rule("RQ003", "dropouts", scope=Scope.FILE, severity=Severity.WARNING, reads=("wav",), settings=SETTINGS)
def dropouts(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Runs of digital zeros inside a channel that otherwise carries sound (dropouts).

    ## What it detects
    Stretches of exactly zero samples at least `min_dropout_ms` long, in a channel that is not silent overall
    (IN013 reports wholly silent channels). A microphone has a noise floor: true zeros are lost samples.

    ## Why it matters
    Dropouts cut words, create clicks at their edges, and bias speaking-time and loudness statistics.

    ## Evidence
    `dropouts` (up to 20 spans in seconds), `count`, `seconds` lost.

    ## Thresholds
    `min_dropout_ms`.
    """
    audio = pf.audio().mono
    zeros = np.flatnonzero(audio == 0.0)  # few in live audio: runs are found among them, not over every sample
    if zeros.size in (0, audio.size):
        return
    breaks = np.flatnonzero(np.diff(zeros) != 1)
    starts = zeros[np.concatenate(([0], breaks + 1))]
    ends = zeros[np.concatenate((breaks, [zeros.size - 1]))] + 1
    rate = pf.audio().sample_rate
    long_enough = (ends - starts) >= ctx.settings.min_dropout_ms * rate / 1000
    spans = [(s / rate, e / rate) for s, e in zip(starts[long_enough], ends[long_enough])]
    ctx.measure(pf, "dropout_seconds", sum(e - s for s, e in spans))
    if spans:
        lost = sum(e - s for s, e in spans)
        yield ctx.report(pf, f"{pf.path('wav')}: {len(spans)} dropout(s), {lost:.2f} s of digital zeros",
                         path=pf.path("wav"), span=(spans[0][0], spans[-1][1]),
                         evidence={"count": len(spans), "seconds": round(lost, 3),
                                   "dropouts": [[round(s, 3), round(e, 3)] for s, e in spans[:20]]})
