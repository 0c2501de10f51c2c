from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext, Skip
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.bleed import file_bleed

SETTINGS = {
    "max_level_db": Setting(-30.0, "loudest bleed accepted (dB; override it per site)"),
    "min_confidence": Setting(0.3, "least confidence of the estimate for a finding"),
}


@rule("BL001", "bleed-level", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"), version=2,
      settings=SETTINGS)
def bleed_level(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """The partner is too loud in one's own close-talk channel (residual speaker bleed).

    ## What it detects
    Where only the partner speaks, the partner's level in this channel relative to the partner's own channel
    (least-squares gain of the delayed partner signal, every frame less its mean, so a DC offset is not taken for
    bleed) and the lag (GCC-PHAT), per channel. Every channel's level and lag are recorded as metrics
    (`bleed_db`, `bleed_lag_ms`) for per-site distributions.

    ## Why it matters
    The audio was bleed-denoised upstream, but residual bleed varies by site; a model trained on one channel
    learns the partner's voice as this person's, and diarisation, VAD and ASR on the channel degrade.

    ## Evidence
    `level_db`, `lag_ms`, `partner_only_seconds` (audio the estimate rests on), `spans` (where the bleed is
    audible alone).

    ## Thresholds
    `max_level_db`: the loudest bleed accepted (override it per site); `min_confidence`: least confidence of the
    estimate for a finding. The estimator is configured under `[signals.bleed]`.
    """
    skipped = []
    for pf in interaction.participants:
        try:
            bleed = file_bleed(pf, interaction, ctx)
        except Skip as skip:
            skipped.append(f"{pf.file_id}: {skip}")
            continue
        ctx.measure(pf, "bleed_db", bleed.level_db)
        ctx.measure(pf, "bleed_lag_ms", bleed.lag_ms)
        if bleed.level_db < ctx.settings.max_level_db or bleed.confidence < ctx.settings.min_confidence:
            continue
        yield ctx.report(pf, f"{pf.path('wav')}: the partner bleeds in at {bleed.level_db:.1f} dB "
                             f"(limit {ctx.settings.max_level_db} dB), {bleed.lag_ms:.2f} ms late",
                         path=pf.path("wav"), confidence=bleed.confidence,
                         span=(bleed.spans[0][0], bleed.spans[-1][1]) if bleed.spans else None,
                         evidence={"level_db": round(bleed.level_db, 2), "lag_ms": round(bleed.lag_ms, 3),
                                   "partner_only_seconds": round(bleed.seconds, 2),
                                   "spans": [[round(s, 2), round(e, 2)] for s, e in bleed.spans]})
    if skipped and len(skipped) == len(interaction.participants):
        raise Skip("; ".join(skipped))
