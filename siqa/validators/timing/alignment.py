"""Annotated activity against acoustic activity: curves at 100 Hz, their offset, and their agreement.

The offset is the lag that maximises the cross-correlation of the two (mean-removed) activity curves, found
with an FFT over the allowed lags and refined below one frame by a parabola through the peak. Shared (and
cached) by every timing rule, so each file is aligned once.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    runner_up: float  # best correlation outside the peak's neighbourhood
    acoustic_seconds: float
    annotated_seconds: float


def align(annotated: np.ndarray, acoustic: np.ndarray, max_lag_frames: int, exclusion_frames: int) -> Alignment:
    a = annotated.astype(np.float64) - annotated.mean()
    b = acoustic.astype(np.float64) - acoustic.mean()
    norm = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
    corr = correlate(a, b, mode="full", method="fft") / norm
    lags = correlation_lags(len(a), len(b), mode="full")
    window = np.abs(lags) <= max_lag_frames
    corr, lags = corr[window], lags[window]
    k = int(np.argmax(corr))
    refined = float(lags[k])
    if 0 < k < len(corr) - 1:
        left, mid, right = corr[k - 1], corr[k], corr[k + 1]
        curvature = left - 2 * mid + right
        if curvature < 0:
            refined += 0.5 * (left - right) / curvature
    outside = np.abs(lags - lags[k]) > exclusion_frames
    return Alignment(refined * FRAME_SECONDS, float(corr[k]), float(corr[lags == 0][0]) if (lags == 0).any() else 0.0,
                     float(corr[outside].max()) if outside.any() else 0.0,
                     float(acoustic.sum() * FRAME_SECONDS), float(annotated.sum() * FRAME_SECONDS))


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
        alignment = align(annotated, activity.speech, int(settings["max_offset_seconds"] / FRAME_SECONDS),
                          int(settings["peak_exclusion_seconds"] / FRAME_SECONDS))
        margin = (alignment.correlation - max(alignment.runner_up, 0.0)) / settings["confident_margin"]
        strength = alignment.correlation / settings["confident_correlation"]
        return FileTiming(activity, alignment, float(np.clip(min(margin, strength), 0.0, 1.0)))

    return ctx.signals.get("timing", str(pf.file_id), compute)
