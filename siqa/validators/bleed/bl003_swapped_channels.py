from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.activity import annotated_curve, file_activity
from siqa.signals.audio import at_analysis_rate


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - float(a.mean()), b - float(b.mean())  # float32 audio stays float32 (a BLAS dot, no copies)
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / denominator) if denominator else 0.0


SETTINGS = {
    "min_swap_margin": Setting(0.2, "how much better the partner's VAD must explain both channels"),
    "min_duplicate_correlation": Setting(0.98, "waveform correlation from which the channels are one "
                                               "recording"),
}


@rule("BL003", "swapped-or-duplicated-channels", scope=Scope.INTERACTION, severity=Severity.ERROR,
      reads=("wav", "json"), settings=SETTINGS)
def swapped_or_duplicated_channels(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """The two channels are swapped (each holds the partner's voice) or are the same recording.

    ## What it detects
    Swapped: each channel's acoustic speech activity follows the partner's annotated VAD better than its own,
    by a margin. Duplicated: the two waveforms are nearly identical (correlation at lag 0 of the 16 kHz audio).

    ## Why it matters
    Every per-participant label (transcript, VAD, identity, motion) is paired with the wrong voice.

    ## Evidence
    `own_vs_annotated` and `partner_vs_annotated` correlations per channel, or `waveform_correlation`.

    ## Thresholds
    `min_swap_margin`: how much better the partner's VAD must explain both channels; `min_duplicate_correlation`:
    waveform correlation from which the channels are the same recording.
    """
    if len(interaction.participants) != 2 or not all(p.has("json") and p.has("wav") for p in interaction.participants):
        return
    a, b = interaction.participants
    wave_a, wave_b = at_analysis_rate(a, ctx.signals), at_analysis_rate(b, ctx.signals)
    n = min(len(wave_a), len(wave_b))
    same = _correlation(wave_a[:n], wave_b[:n])
    if same >= ctx.settings.min_duplicate_correlation:
        yield ctx.report(interaction, f"{interaction.key}: both channels hold the same recording "
                                      f"(waveform correlation {same:.3f})", confidence=same,
                         evidence={"waveform_correlation": round(same, 4)})
        return
    scores = {}
    for pf, other in ((a, b), (b, a)):
        speech = file_activity(pf, other, ctx).speech
        frames = len(speech)
        scores[str(pf.file_id)] = (_correlation(speech, annotated_curve(pf.meta().vad().items, frames)),
                                   _correlation(speech, annotated_curve(other.meta().vad().items, frames)))
    margin = min(partner - own for own, partner in scores.values())
    if margin >= ctx.settings.min_swap_margin:
        yield ctx.report(interaction, f"{interaction.key}: channels are swapped (each channel's speech follows the "
                                      "partner's annotations)", confidence=min(1.0, margin),
                         evidence={fid: {"own_vs_annotated": round(own, 3), "partner_vs_annotated": round(p, 3)}
                                   for fid, (own, p) in scores.items()})
