from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.energy import file_dbfs

SETTINGS = {
    "frame_seconds": Setting(0.03, "frame length for levels"),
    "near_silent_dbfs": Setting(-60.0, "level under which the channel counts as silent (dBFS)"),
}


@rule("IN013", "silent-audio", scope=Scope.FILE, severity=Severity.ERROR, reads=("wav",), settings=SETTINGS)
def silent_audio(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Channel that is digitally silent or nearly so.

    ## What it detects
    Audio whose samples are all zero (digital silence), or whose loudest frames stay below the near-silence level:
    a dead microphone, a muted channel, a failed export. Users traced such files to one vendor.

    ## Why it matters
    The participant's speech is lost; VAD and transcripts of the file cannot be trusted.

    ## Evidence
    `peak` (absolute sample peak), `loudest_frame_dbfs` (the 99th percentile of frame levels).

    ## Thresholds
    `frame_seconds`: frame length for levels; `near_silent_dbfs`: level under which the channel counts as silent.
    """
    if not pf.has("wav"):
        return
    audio = pf.audio()
    if audio.mono.size == 0:
        yield ctx.report(pf, f"{pf.path('wav')}: no samples", path=pf.path("wav"), evidence={"peak": 0.0})
        return
    peak = audio.peak
    levels = file_dbfs(pf, ctx, ctx.settings.frame_seconds)
    loudest = float(np.percentile(levels, 99)) if levels.size else -np.inf
    threshold = ctx.settings.near_silent_dbfs
    if peak == 0.0:
        message = f"{pf.path('wav')}: digital silence ({audio.duration:.1f}s of zeros)"
    elif loudest < threshold:
        message = f"{pf.path('wav')}: near-silent (loudest frames {loudest:.1f} dBFS < {threshold} dBFS)"
    else:
        return
    yield ctx.report(pf, message, path=pf.path("wav"), span=(0.0, audio.duration),
                     evidence={"peak": peak, "loudest_frame_dbfs": max(loudest, -200.0)})
