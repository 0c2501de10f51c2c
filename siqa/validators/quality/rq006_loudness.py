from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Scope, Severity
from siqa.norms import Candidate, norm_settings
from siqa.registry import rule
from siqa.validators.quality.levels import each_channel

SETTINGS = norm_settings(unit="dBFS", tolerance=3.0, min_effect=10.0, min_units=8, fallback_low=-50.0,
                         fallback_high=-6.0)


@rule("RQ006", "loudness-off-norm", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav",), version=2,
      settings=SETTINGS)
def loudness_off_norm(interaction: Interaction, ctx: RuleContext) -> Iterator[Candidate]:
    """Speech level far from its recording site's norm.

    ## What it detects
    The channel's active speech level (ITU-T P.56, see RQ001) against the levels of every channel of the same
    site in the batch: reported when it lies further from their median than `tolerance` robust spreads
    (1.4826 x MAD) and at least `min_effect` dB. Sites calibrate gain differently and people speak at
    different levels, so the norm is measured, not assumed; `norms.jsonl` and the site page show it.

    ## Why it matters
    A channel recorded far too quietly or loudly (wrong gain, wrong microphone) is an outlier for every model
    trained on the site's data, and often hides a swapped or failing microphone.

    ## Evidence
    `speech_dbfs`, and under `norm`: the site's median and spread, the deviation, the robust z, the threshold,
    the number of channels, and whether the site's or the batch's channels were the basis.

    ## Thresholds
    `tolerance` (robust spreads), `min_effect` (dB); `min_units`: channels needed for a norm (the site's, else
    the batch's); below that, `fallback_low` / `fallback_high` (dBFS) are absolute limits.
    """
    for pf, levels in each_channel(interaction, ctx):
        yield ctx.candidate(pf, f"{pf.path('wav')}: speech at {levels.speech_dbfs:.1f} dBFS", metric="speech_dbfs",
                            value=levels.speech_dbfs, side="both", label="speech level", unit_name="dB",
                            path=pf.path("wav"), evidence={"speech_dbfs": round(levels.speech_dbfs, 2)})
