from __future__ import annotations

from typing import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.quality.levels import each_channel


@rule("RQ001", "low-snr", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav",))
def low_snr(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Speech not far enough above the noise floor.

    ## What it detects
    The estimated signal-to-noise ratio of each channel: the owner's speech level (median level of own-speech
    frames, bleed excluded) minus the noise floor (a low percentile of frame levels), under the threshold.
    Recorded as the `snr_db` metric for every file.

    ## Why it matters
    Noisy channels degrade ASR, VAD and every acoustic feature; sites differ in room and microphone noise.

    ## Evidence
    `snr_db`, `speech_dbfs`, `noise_dbfs`.

    ## Thresholds
    `min_snr_db`. The noise percentile and the least own speech are under `[signals.levels]`.
    """
    minimum = ctx.settings.get("min_snr_db")
    for pf, levels in each_channel(interaction, ctx):
        ctx.measure(pf, "snr_db", levels.snr_db)
        if levels.snr_db < minimum:
            yield ctx.report(pf, f"{pf.path('wav')}: SNR {levels.snr_db:.1f} dB (minimum {minimum} dB)",
                             path=pf.path("wav"), confidence=min(1.0, (minimum - levels.snr_db) / 10 + 0.5),
                             evidence={"snr_db": round(levels.snr_db, 2), "speech_dbfs": round(levels.speech_dbfs, 2),
                                       "noise_dbfs": round(levels.noise_dbfs, 2)})
