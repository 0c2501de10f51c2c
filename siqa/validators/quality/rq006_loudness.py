from __future__ import annotations

from typing import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.quality.levels import each_channel


@rule("RQ006", "loudness-off-norm", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav",))
def loudness_off_norm(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Speech level far from the recording site's norm.

    ## What it detects
    The channel's speech level (as in RQ001) further than `max_deviation_db` from `expected_speech_dbfs`. Set the
    norm per site under `[sites.<Vnn>.rules.RQ006]`: sites calibrate gain differently. The `speech_dbfs` metric
    of every file shows each site's distribution to calibrate from.

    ## Why it matters
    A channel recorded far too quietly or loudly (wrong gain, wrong microphone) is an outlier for every model
    trained on the site's data, and often hides a swapped or failing microphone.

    ## Evidence
    `speech_dbfs`, `expected_speech_dbfs`, `deviation_db`.

    ## Thresholds
    `expected_speech_dbfs`, `max_deviation_db`.
    """
    expected = ctx.settings.get("expected_speech_dbfs")
    for pf, levels in each_channel(interaction, ctx):
        ctx.measure(pf, "speech_dbfs", levels.speech_dbfs)
        deviation = levels.speech_dbfs - expected
        if abs(deviation) > ctx.settings.get("max_deviation_db"):
            yield ctx.report(pf, f"{pf.path('wav')}: speech at {levels.speech_dbfs:.1f} dBFS, {deviation:+.1f} dB "
                                 f"from the site norm {expected} dBFS", path=pf.path("wav"),
                             evidence={"speech_dbfs": round(levels.speech_dbfs, 2), "expected_speech_dbfs": expected,
                                       "deviation_db": round(deviation, 2)})
