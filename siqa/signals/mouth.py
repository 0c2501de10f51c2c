"""Audio-video sync from the face: how far the mouth's opening lags (or leads) the speech in the audio.

The mouth opens with the voice, so the lip gap from the face keypoints (`boxes_and_keypoints:keypoints`, lower
lip minus upper lip, over the face's size so that moving towards the camera changes nothing) follows the own-
speech envelope (RMS per video frame, kept only where the person speaks, so partner bleed and noise do not
count). The lag that maximises their Pearson correlation, over frames where both are known, is the offset;
a parabola through the peak refines it below one frame. Confidence comes from the peak's prominence over the
best correlation away from it and from the peak's height. See docs/signals/mouth.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from siqa.context import RuleContext, Skip
from siqa.dataset.schema import FACE_KEYPOINTS, FPS, LOWER_LIP, UPPER_LIP
from siqa.dataset.units import ParticipantFile
from siqa.signals.activity import FRAME_SECONDS, Activity, file_activity
from siqa.signals.audio import ANALYSIS_RATE, at_analysis_rate
from siqa.signals.frames import frame_flags, numeric_frames, per_frame, refined_peak

KEYPOINTS_KEY = "boxes_and_keypoints:keypoints"
VALID_BOX_KEY = "boxes_and_keypoints:is_valid_box"


@dataclass(frozen=True)
class Sync:
    offset_frames: float  # positive: the video (mouth) lags the audio
    correlation: float  # Pearson correlation at the best lag
    correlation_at_zero: float
    runner_up: float  # best correlation farther than `exclusion_frames` from the peak
    confidence: float
    speech_seconds: float  # own speech with a known mouth: what the estimate rests on

    @property
    def offset_ms(self) -> float:
        return self.offset_frames / FPS * 1000


def mouth_opening(keypoints: np.ndarray, valid: np.ndarray, min_score: float) -> np.ndarray:
    """Lip gap per frame over the face's bounding-box diagonal; NaN where the face is not tracked, a lip point
    scores below `min_score`, or a value is not finite."""
    # (coordinate, frame, point) in C order: reductions over a face's points then run along contiguous memory
    # (over the (frame, point, coordinate) layout they are fifty times slower). The lips are face points.
    points = np.moveaxis(keypoints[:, FACE_KEYPOINTS], 2, 0).astype(np.float64, order="C")
    upper, lower = (np.array(side) - FACE_KEYPOINTS.start for side in (UPPER_LIP, LOWER_LIP))
    size = np.hypot(*(points[:2].max(axis=2) - points[:2].min(axis=2)))
    gap = points[1][:, lower].mean(axis=1) - points[1][:, upper].mean(axis=1)
    scored = len(points) < 3 or np.all(points[2][:, np.r_[upper, lower]] >= min_score, axis=1)
    ok = valid[: len(keypoints)] & scored & np.isfinite(gap) & np.isfinite(size) & (size > 0)
    return np.where(ok, gap / np.where(ok, size, 1.0), np.nan)


def speech_envelope(audio16k: np.ndarray, activity: Activity, frames: int) -> np.ndarray:
    """RMS of the audio per video frame, weighted by the share of the frame that is own speech."""
    rms = np.sqrt(per_frame(audio16k.astype(np.float64) ** 2, ANALYSIS_RATE, frames))
    return rms * per_frame(activity.speech.astype(np.float64), 1 / FRAME_SECONDS, frames)


def lagged_correlation(video: np.ndarray, audio: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of video[t] with audio[t - lag] for every lag in [-max_lag, max_lag], over the
    frames where both are finite (NaN where fewer than 3 such frames, or where either does not vary). All lags
    at once: a (lags x frames) view of the audio shifted by each lag, and masked sums along the frames."""
    n = min(len(video), len(audio))
    lags = np.arange(-max_lag, max_lag + 1)
    padded = np.full(n + 2 * max_lag, np.nan)
    padded[max_lag:max_lag + n] = audio[:n]
    shifted = sliding_window_view(padded, n)[::-1]  # row i: audio[t - lags[i]]
    v = np.broadcast_to(video[:n].astype(np.float64), shifted.shape)
    both = np.isfinite(v) & np.isfinite(shifted)
    count = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(both, v, 0.0)
        b = np.where(both, shifted, 0.0)
        a = np.where(both, a - (a.sum(axis=1) / count)[:, None], 0.0)
        b = np.where(both, b - (b.sum(axis=1) / count)[:, None], 0.0)
        saa, sbb = (a * a).sum(axis=1), (b * b).sum(axis=1)
        corr = (a * b).sum(axis=1) / np.sqrt(saa * sbb)
    varies = (saa > 1e-12 * np.maximum(count, 1)) & (sbb > 1e-12 * np.maximum(count, 1))
    return lags, np.where((count >= 3) & varies, corr, np.nan)


def estimate_sync(opening: np.ndarray, envelope: np.ndarray, settings: dict) -> Sync:
    """The offset of the mouth against the speech envelope; Skip when too little speech has a known mouth."""
    n = min(len(opening), len(envelope))
    speaking = np.isfinite(opening[:n]) & (np.nan_to_num(envelope[:n]) > 0)
    seconds = float(speaking.sum() / FPS)
    if seconds < settings["min_speech_seconds"]:
        raise Skip(f"only {seconds:.1f} s of own speech with a tracked mouth "
                   f"(need {settings['min_speech_seconds']} s)")
    max_lag = int(round(settings["max_lag_seconds"] * FPS))
    lags, corr = lagged_correlation(opening, envelope, max_lag)
    if not np.isfinite(corr).any():
        raise Skip("the mouth or the speech envelope does not vary")
    filled = np.nan_to_num(corr, nan=-1.0)
    k = int(np.argmax(filled))
    offset = lags[0] + refined_peak(filled, k)
    away = np.abs(lags - lags[k]) > settings["exclusion_frames"]
    runner_up = float(filled[away].max()) if away.any() else -1.0
    peak = float(filled[k])
    confidence = (np.clip((peak - runner_up) / settings["confident_margin"], 0, 1)
                  * np.clip(peak / settings["confident_correlation"], 0, 1))
    offset -= settings["reference_offset_ms"] / 1000 * FPS
    return Sync(float(offset), peak, float(filled[lags == 0][0]), runner_up, float(confidence), seconds)


def file_sync(pf: ParticipantFile, partner: ParticipantFile | None, ctx: RuleContext) -> Sync:
    """Audio-video offset of `pf` (cached per file); Skip without audio, keypoints or enough speech."""

    def compute() -> Sync:
        if not (pf.has("wav") and pf.has("npz")):
            raise Skip(f"{pf.file_id}: needs both the WAV and the NPZ")
        arrays = {k: v for k, v in pf.features(KEYPOINTS_KEY, VALID_BOX_KEY).items() if numeric_frames(v)}
        shape = arrays[KEYPOINTS_KEY].shape if KEYPOINTS_KEY in arrays else ()
        if len(shape) != 3 or shape[1] < FACE_KEYPOINTS.stop or shape[2] < 2:
            raise Skip(f"{pf.file_id}: no whole-body face keypoints ({KEYPOINTS_KEY} {shape})")
        keypoints = arrays[KEYPOINTS_KEY]
        valid = frame_flags(arrays.get(VALID_BOX_KEY), len(keypoints))
        settings = ctx.signal_settings("mouth", pf.site)
        opening = mouth_opening(keypoints, valid, settings["min_keypoint_score"])
        activity = file_activity(pf, partner, ctx)
        envelope = speech_envelope(at_analysis_rate(pf, ctx.signals), activity, len(keypoints))
        return estimate_sync(opening, envelope, settings)

    return ctx.signals.get("mouth", str(pf.file_id), compute)
