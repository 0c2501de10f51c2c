from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Scope, Severity
from siqa.norms import Candidate, norm_settings
from siqa.registry import rule
from siqa.validators.quality.levels import each_channel

SETTINGS = norm_settings(unit="dB", tolerance=3.0, min_effect=10.0, min_units=8, fallback_low=10.0)


@rule("RQ001", "low-snr", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav",), version=2,
      settings=SETTINGS)
def low_snr(interaction: Interaction, ctx: RuleContext) -> Iterator[Candidate]:
    """Speech much nearer the noise floor than is usual at its recording site.

    ## What it detects
    Each channel's signal-to-noise ratio: the owner's active speech level (ITU-T P.56 over own-speech frames,
    the partner's bleed excluded) minus the noise floor (a low percentile of frame levels), against the SNR of
    every channel of the same site in the batch. Reported when it lies below their median by more than
    `tolerance` robust spreads and at least `min_effect` dB. Rooms differ: a meeting room at 20 dB is normal
    where a booth reaches 45 dB, so the norm is measured per site (`norms.jsonl`, the site page).

    ## Why it matters
    Noisy channels degrade ASR, VAD and every acoustic feature; a channel much noisier than its site's others
    has a fault of its own (a loose cable, a fan, a wrong microphone).

    ## Evidence
    `snr_db`, `speech_dbfs`, `noise_dbfs`, and the site's norm under `norm`.

    ## Thresholds
    `tolerance` (robust spreads), `min_effect` (dB), `min_units`; below that sample size `fallback_low` (dB) is
    an absolute limit. The noise percentile and the least own speech are under `[signals.levels]`.
    """
    for pf, levels in each_channel(interaction, ctx):
        yield ctx.candidate(pf, f"{pf.path('wav')}: SNR {levels.snr_db:.1f} dB", metric="snr_db",
                            value=levels.snr_db, side="low", label="SNR", unit_name="dB", path=pf.path("wav"),
                            evidence={"snr_db": round(levels.snr_db, 2), "speech_dbfs": round(levels.speech_dbfs, 2),
                                      "noise_dbfs": round(levels.noise_dbfs, 2)})
