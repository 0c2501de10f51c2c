from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "max_abs_dc": Setting(0.01, "largest mean sample value (DC offset, full scale 1) accepted"),
}


@rule("RQ004", "dc-offset", scope=Scope.FILE, severity=Severity.WARNING, reads=("wav",), settings=SETTINGS)
def dc_offset(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """A constant offset added to the waveform (DC offset).

    ## What it detects
    The mean sample value far from zero: a faulty converter or preamp.

    ## Why it matters
    It wastes headroom, makes clicks at every cut, and skews energy-based VAD and loudness.

    ## Evidence
    `dc` (mean sample value, full scale = 1).

    ## Thresholds
    `max_abs_dc`.
    """
    audio = pf.audio().mono
    if audio.size == 0:
        return
    dc = float(np.mean(audio, dtype=np.float64))
    ctx.measure(pf, "dc", dc)
    if abs(dc) > ctx.settings.max_abs_dc:
        yield ctx.report(pf, f"{pf.path('wav')}: DC offset {dc:+.4f} of full scale", path=pf.path("wav"),
                         evidence={"dc": dc})
