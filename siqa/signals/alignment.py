"""Annotated activity against acoustic activity: curves at 100 Hz, their offset, and their agreement.

The offset is the lag that maximises the cross-correlation of the two (mean-removed) activity curves, found
with an FFT over the allowed lags and refined below one frame by a parabola through the peak. Shared (and
cached) by every timing rule, so each file is aligned once.

How far to trust the offset is a shift test: the peak is weighed against every other alignment of the
annotations, their circular shifts (surrogates that keep the turns as they are; the circular correlation is
the linear one folded, lags k and k - n added, so it costs no FFT). The rival (`runner_up`) is the highest
local maximum of the circular correlation outside the peak's own lobe: the lags around the peak where the
correlation stays above half the peak (shifts of mean-removed curves average exactly zero, so that is half its
height above chance). Why the lobe and not a fixed distance: a turn of several seconds correlates with itself
shifted by a fraction of a second almost as well, so a fixed exclusion met the peak's own shoulder and called
clear offsets ambiguous; the lobe widens with the turns, and a local maximum beyond it is a distinct
alignment. Why not a p-value over random surrogates: that says whether the curves are related at all rather
than at which lag, costs an FFT per surrogate, and a file of a few long turns has few independent ones.
Periodic turn-taking puts rivals as high as the peak, and unrelated curves their best alignment outside the
searched lags: both get low confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import correlate, correlation_lags

from siqa.context import RuleContext, Skip
from siqa.dataset.units import Interaction, ParticipantFile
from siqa.signals.activity import FRAME_SECONDS, Activity, annotated_curve, file_activity


@dataclass(frozen=True)
class Alignment:
    offset_seconds: float  # annotated minus acoustic: positive means the annotations are late
    correlation: float  # normalised correlation at the best lag
    correlation_at_zero: float
    runner_up: float  # the best rival alignment, at least 0 (chance); above the peak when that is a flank
    peak_width_seconds: float  # the peak's lobe: lags where the correlation stays above half the peak
    acoustic_seconds: float
    annotated_seconds: float


def align(annotated: np.ndarray, acoustic: np.ndarray, max_lag_frames: int) -> Alignment:
    """The offset of two equally long activity curves within `max_lag_frames`, and its rival (module doc)."""
    if len(annotated) != len(acoustic):
        raise ValueError(f"curves of {len(annotated)} and {len(acoustic)} frames: shifts need one length")
    n = len(annotated)
    a = annotated.astype(np.float64) - annotated.mean()
    b = acoustic.astype(np.float64) - acoustic.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum())) or 1.0  # not BLAS: its threads cost ms per call
    corr = correlate(a, b, mode="full", method="fft") / norm
    lags = correlation_lags(n, n, mode="full")
    searched = np.flatnonzero(np.abs(lags) <= max_lag_frames)
    k = int(searched[np.argmax(corr[searched])])
    refined = float(lags[k])
    if 0 < k < len(corr) - 1:
        left, mid, right = corr[k - 1], corr[k], corr[k + 1]
        curvature = left - 2 * mid + right
        if curvature < 0 and mid >= max(left, right):  # not on a flank cut by the searched lags
            refined += 0.5 * (left - right) / curvature
    circular = corr[n - 1:].copy()
    circular[1:] += corr[: n - 1]
    centred = np.roll(circular, n // 2 - int(lags[k]))  # the peak's circular lag at index n // 2
    below = np.flatnonzero(centred < centred[n // 2] / 2)
    lobe = slice(int(below[below < n // 2].max(initial=-1)) + 1,
                 int(below[below > n // 2].min(initial=n)))
    local_max = (centred >= np.roll(centred, 1)) & (centred >= np.roll(centred, -1))
    local_max[lobe] = False
    runner_up = float(centred[local_max].max(initial=0.0))
    beyond = k + int(np.sign(lags[k]))  # a maximum on the searched lags' edge may be a larger peak's flank
    if abs(lags[k]) == max_lag_frames and 0 <= beyond < len(corr):
        runner_up = max(runner_up, float(corr[beyond]))
    return Alignment(refined * FRAME_SECONDS, float(corr[k]), float(corr[n - 1]), runner_up,
                     (lobe.stop - lobe.start) * FRAME_SECONDS,
                     float(acoustic.sum() * FRAME_SECONDS), float(annotated.sum() * FRAME_SECONDS))


def confidence(alignment: Alignment, settings: dict[str, Any]) -> float:
    """The lesser of the margin over the rival and the peak's strength, each scaled to full at its setting."""
    margin = (alignment.correlation - alignment.runner_up) / settings["confident_margin"]
    strength = alignment.correlation / settings["confident_correlation"]
    return float(np.clip(min(margin, strength), 0.0, 1.0))


@dataclass(frozen=True)
class FileTiming:
    activity: Activity
    alignment: Alignment
    confidence: float

    @property
    def offset_seconds(self) -> float:
        return self.alignment.offset_seconds


def file_timing(pf: ParticipantFile, interaction: Interaction, ctx: RuleContext) -> FileTiming:
    """Acoustic activity and the VAD's offset against it, with a confidence; Skip when it cannot be judged."""

    def compute() -> FileTiming:
        settings = ctx.signal_settings("alignment", pf.site)
        activity = file_activity(pf, interaction.partner_of(pf), ctx)
        if activity.speech.sum() * FRAME_SECONDS < settings["min_speech_seconds"]:
            raise Skip(f"{pf.path('wav')}: under {settings['min_speech_seconds']} s of own speech (silent or "
                       "speechless channel): timing cannot be judged")
        vad = pf.meta().vad().items
        annotated = annotated_curve(vad, len(activity.speech))
        if annotated.sum() * FRAME_SECONDS < settings["min_speech_seconds"]:
            raise Skip(f"{pf.path('json')}: under {settings['min_speech_seconds']} s of annotated speech")
        alignment = align(annotated, activity.speech, int(settings["max_offset_seconds"] / FRAME_SECONDS))
        return FileTiming(activity, alignment, confidence(alignment, settings))

    return ctx.signals.get("timing", str(pf.file_id), compute)
