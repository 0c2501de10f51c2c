"""Speaker bleed: how loud, and how late, the partner arrives in one's own close-talk channel.

Only moments where the partner speaks and the owner does not are used (acoustic activity of both channels,
and the owner's annotated VAD). There the own channel is the partner's signal, attenuated and delayed, plus
noise. The lag comes from GCC-PHAT: the phase-whitened cross-power spectrum averaged over windowed frames (one
FFT per frame, all frames at once), whose inverse peaks at the delay; a parabola refines it below a sample.
The level is the least-squares gain of the delayed partner signal in the own channel, which noise does not
bias. Every frame loses its mean first: a DC offset in the own channel (c) would otherwise add
c * sum(partner) / sum(partner^2) to the gain, since the partner's short frames never average exactly zero (a
0.05 offset made -35 dB of bleed read as -25.6 dB). Nothing loops over samples in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import binary_erosion

from siqa.context import RuleContext, Skip
from siqa.dataset.units import Interaction, ParticipantFile
from siqa.signals.activity import FRAME_SAMPLES, annotated_curve, file_activity
from siqa.signals.audio import ANALYSIS_RATE, at_analysis_rate
from siqa.signals.frames import runs, spread


@dataclass(frozen=True)
class Bleed:
    level_db: float  # partner's level in this channel relative to the partner's own channel
    lag_ms: float  # positive: the partner arrives later in this channel than in their own
    confidence: float
    seconds: float  # partner-only audio the estimate rests on
    spans: list[tuple[float, float]]


def _frames(signal: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """The frames of `size` samples at `starts`, each less its own mean: a constant offset (DC) is no sound and
    is never the partner's, yet it correlates with whatever mean the partner's frames happen to keep."""
    frames = sliding_window_view(signal, size)[starts]
    return frames - frames.mean(axis=1, keepdims=True)


def _usable_windows(partner_only: np.ndarray, samples: int, size: int) -> np.ndarray:
    """Starts (in samples, every half window) of the windows wholly inside partner-only frames: counted on the
    10 ms frames each window touches, not on a per-sample mask."""
    starts = np.arange(0, max(0, samples - size), size // 2)
    covered = np.concatenate(([0], np.cumsum(partner_only)))
    first, last = starts // FRAME_SAMPLES, (starts + size - 1) // FRAME_SAMPLES + 1
    inside = last <= len(partner_only)
    starts, first, last = starts[inside], first[inside], last[inside]
    return starts[covered[last] - covered[first] == last - first]


def estimate_bleed(own: np.ndarray, partner: np.ndarray, partner_only: np.ndarray, settings: dict) -> Bleed:
    """`partner_only`: 10 ms frames where only the partner speaks. Raises Skip when there is too little of it."""
    size = int(settings["window_seconds"] * ANALYSIS_RATE)
    usable = _usable_windows(partner_only, min(len(own), len(partner)), size)
    seconds = len(usable) * size / 2 / ANALYSIS_RATE
    if seconds < settings["min_partner_only_seconds"]:
        raise Skip(f"only {seconds:.1f} s where the partner alone speaks "
                   f"(need {settings['min_partner_only_seconds']} s)")
    usable = spread(usable, settings["max_windows"])  # enough for the estimate, spread over the recording
    window = np.hanning(size).astype(np.float32)  # single precision: half the FFT time, ample for a delay
    own_frames = _frames(own, usable, size)
    cross = (scipy.fft.rfft(own_frames * window, 2 * size)
             * np.conj(scipy.fft.rfft(_frames(partner, usable, size) * window, 2 * size))).sum(axis=0)
    gcc = scipy.fft.irfft(cross / (np.abs(cross) + 1e-12)).astype(np.float64)
    max_lag = int(settings["max_lag_ms"] * ANALYSIS_RATE / 1000)
    lags = np.concatenate((np.arange(0, max_lag + 1), np.arange(-max_lag, 0)))
    values = np.concatenate((gcc[: max_lag + 1], gcc[-max_lag:]))
    k = int(np.argmax(values))
    lag = float(lags[k])
    left, right = values[(k - 1) % len(values)], values[(k + 1) % len(values)]
    curvature = left - 2 * values[k] + right
    if curvature < 0:
        lag += 0.5 * (left - right) / curvature
    # the partner's frames `lag` samples earlier line up with the bleed in the own frames
    b_lag = _frames(partner, np.clip(usable - int(round(lag)), 0, len(partner) - size), size)
    gain = float(np.sum(own_frames * b_lag) / (np.sum(b_lag * b_lag) or 1.0))
    peak_to_floor = float(values[k] / (np.median(np.abs(values)) + 1e-12))
    confidence = float(np.clip((peak_to_floor - 1.0) / settings["confident_peak_ratio"], 0.0, 1.0))
    level = 20 * np.log10(max(abs(gain), 1e-6))
    spans = sorted(((s * 0.01, e * 0.01) for s, e in runs(partner_only)), key=lambda x: x[0] - x[1])[:10]
    return Bleed(level, lag / ANALYSIS_RATE * 1000, confidence, seconds, sorted(spans))


def file_bleed(pf: ParticipantFile, interaction: Interaction, ctx: RuleContext) -> Bleed:
    """The partner's bleed into `pf`'s channel (cached per file)."""

    def compute() -> Bleed:
        partner = interaction.partner_of(pf)
        if partner is None:
            raise Skip(f"{interaction.key} is not a dyad: bleed needs exactly one partner")
        settings = ctx.signal_settings("bleed", pf.site)
        partner_act = file_activity(partner, pf, ctx).speech
        frames = len(partner_act)
        own_vad = pf.meta().vad().items if pf.has("json") else []
        # Heavy bleed looks like own speech to the acoustic detector, so the annotation decides when the owner is
        # quiet where there is one; own speech slipping in only adds variance to the gain, never bias.
        owner_speaks = annotated_curve(own_vad, frames) if own_vad else file_activity(pf, partner, ctx).speech[:frames]
        owner_quiet = ~np.pad(owner_speaks, (0, frames - len(owner_speaks)))
        guard = int(settings["guard_seconds"] * 100)
        if guard:
            owner_quiet = binary_erosion(owner_quiet, np.ones(2 * guard + 1, bool), border_value=1)
        partner_only = partner_act[:frames] & owner_quiet
        return estimate_bleed(at_analysis_rate(pf, ctx.signals), at_analysis_rate(partner, ctx.signals),
                              partner_only, settings)

    return ctx.signals.get("bleed", str(pf.file_id), compute)
