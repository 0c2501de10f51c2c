"""Acoustic speech activity per channel at 100 Hz: webrtcvad gated by frame energy.

webrtcvad alone marks the partner's bleed as speech (it is speech, just not the owner's). Gating by energy
removes it: an own-speech frame must be loud against the channel's noise floor, and, where the partner's channel
is available, not much quieter than the partner's channel at the same moment (bleed arrives attenuated, own
speech does not). Computed once per file, shared by timing, transcript and bleed rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import webrtcvad
from scipy.ndimage import binary_closing, binary_dilation

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.meta import Segment
from siqa.dataset.units import ParticipantFile
from siqa.signals.audio import ANALYSIS_RATE, at_analysis_rate
from siqa.signals.energy import frame_dbfs
from siqa.signals.frames import runs

FRAME_SECONDS = 0.01
FRAME_SAMPLES = int(ANALYSIS_RATE * FRAME_SECONDS)


@dataclass(frozen=True)
class ActivitySettings:
    vad_mode: int
    vad_frames: int
    floor_percentile: float
    floor_margin_db: float
    partner_margin_db: float
    smooth_frames: int


@dataclass(frozen=True)
class Activity:
    """Per-10 ms-frame flags and levels of one channel."""

    speech: np.ndarray  # bool, own speech
    level_db: np.ndarray  # frame level, dBFS
    floor_db: float

    @property
    def seconds(self) -> float:
        return len(self.speech) * FRAME_SECONDS


def webrtc_flags(audio16k: np.ndarray, mode: int, vad_frames: int, wanted: np.ndarray) -> np.ndarray:
    """webrtcvad decision per 10 ms frame, deciding on blocks of `vad_frames` 10 ms frames (1, 2 or 3: webrtcvad
    takes 10, 20 or 30 ms). Longer blocks mean fewer calls into the C library; the energy gate keeps 10 ms edges.
    Only blocks holding a `wanted` frame (a flag per 10 ms frame of the audio) are asked; the others are False."""
    vad = webrtcvad.Vad(mode)
    block = FRAME_SAMPLES * vad_frames
    n = len(audio16k) // block
    frames = len(audio16k) // FRAME_SAMPLES
    asked = wanted[: n * vad_frames].reshape(n, vad_frames).any(axis=1)
    pcm = memoryview((np.clip(audio16k[: n * block], -1.0, 1.0) * 32767).astype("<i2").tobytes())
    step = block * 2
    decisions = np.zeros(n, dtype=bool)
    decisions[asked] = [vad.is_speech(pcm[i * step:(i + 1) * step], ANALYSIS_RATE) for i in np.flatnonzero(asked)]
    flags = np.repeat(decisions, vad_frames)
    return np.pad(flags, (0, frames - len(flags)))


def _close_gaps(flags: np.ndarray, frames: int) -> np.ndarray:
    """Morphological closing: bridge gaps shorter than `frames` (stop consonants, short pauses inside words)."""
    if frames <= 0 or not flags.any():
        return flags
    return binary_closing(flags, structure=np.ones(frames, dtype=bool), border_value=0) | flags


def speech_activity(own16k: np.ndarray, partner16k: np.ndarray | None, settings: ActivitySettings) -> Activity:
    """The energy gate first, then webrtcvad only where the gate passes: a frame must pass both, and most of a
    channel is the partner's turn or silence, so most webrtcvad calls are saved."""
    level = frame_dbfs(own16k, ANALYSIS_RATE, FRAME_SECONDS)
    floor = float(np.percentile(level, settings.floor_percentile)) if level.size else 0.0
    loud = level > floor + settings.floor_margin_db
    if partner16k is not None:
        partner_level = frame_dbfs(partner16k, ANALYSIS_RATE, FRAME_SECONDS)
        n = min(len(loud), len(partner_level))
        loud[:n] &= level[:n] > partner_level[:n] - settings.partner_margin_db
    speech = loud & webrtc_flags(own16k, settings.vad_mode, settings.vad_frames, loud)
    return Activity(_close_gaps(speech, settings.smooth_frames), level, floor)


def file_activity(pf: ParticipantFile, partner: ParticipantFile | None, ctx: RuleContext) -> Activity:
    """Own-speech activity of `pf`, gated by its partner's channel when that channel is readable."""

    def compute() -> Activity:
        own = at_analysis_rate(pf, ctx.signals)
        other = None
        if partner is not None and partner.has("wav"):
            try:
                other = at_analysis_rate(partner, ctx.signals)
            except ReadError:
                other = None
        return speech_activity(own, other, ActivitySettings(**ctx.signal_settings("activity", pf.site)))

    return ctx.signals.get("activity", str(pf.file_id), compute)


def annotated_curve(segments: Iterable[Segment], frames: int, shift: float = 0.0) -> np.ndarray:
    """Boolean activity per 10 ms frame from annotated segments, optionally moved by `shift` seconds."""
    curve = np.zeros(frames, dtype=bool)
    for seg in segments:
        start = max(0, int(round((min(seg.start, seg.end) + shift) / FRAME_SECONDS)))
        end = min(frames, int(round((max(seg.start, seg.end) + shift) / FRAME_SECONDS)))
        if end > start:
            curve[start:end] = True
    return curve


def annotated_speech(pf: ParticipantFile, frames: int, margin_seconds: float) -> np.ndarray | None:
    """Where the channel's annotations (VAD and transcript segments) place speech, widened by `margin_seconds`
    on each side, per 10 ms frame; None when the file has neither or they cannot be read. Acoustic activity
    also fires on breaths, laughs and doors; where both agree, it is speech."""
    try:
        meta = pf.meta()
        segments = [*(meta.vad().items if meta.has_vad else ()),
                    *(meta.transcript().items if meta.has_transcript else ())]
    except ReadError:
        return None
    if not segments:
        return None
    margin = int(round(margin_seconds / FRAME_SECONDS))
    curve = annotated_curve(segments, frames)
    return binary_dilation(curve, iterations=margin) if margin > 0 else curve


def spans(mask: np.ndarray, min_frames: int) -> list[tuple[float, float]]:
    """Runs of True at least `min_frames` long, in seconds."""
    return [(s * FRAME_SECONDS, e * FRAME_SECONDS) for s, e in runs(mask) if e - s >= min_frames]
