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

from siqa.context import RuleContext, Skip
from siqa.dataset.schema import FACE_KEYPOINTS, FPS, LOWER_LIP, UPPER_LIP
from siqa.dataset.units import ParticipantFile
from siqa.signals.activity import FRAME_SECONDS, Activity, file_activity
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
    # The face's extremes over its points: laid out as (point, coordinate, frame) they are elementwise over
    # contiguous frames (reducing along the points of the (frame, point, coordinate) layout is a hundred times
    # slower), and exact in the keypoints' own precision: only the lips are converted to float64.
    face = np.ascontiguousarray(keypoints[:, FACE_KEYPOINTS, :2].transpose(1, 2, 0))
    size = np.hypot(*(face.max(axis=0).astype(np.float64) - face.min(axis=0).astype(np.float64)))
    lips = keypoints[:, list(UPPER_LIP + LOWER_LIP)].astype(np.float64)  # (frame, lip point, coordinate)
    upper, lower = lips[:, : len(UPPER_LIP)], lips[:, len(UPPER_LIP):]
    gap = lower[:, :, 1].mean(axis=1) - upper[:, :, 1].mean(axis=1)
    scored = keypoints.shape[2] < 3 or np.all(lips[:, :, 2] >= min_score, axis=1)
    ok = valid[: len(keypoints)] & scored & np.isfinite(gap) & np.isfinite(size) & (size > 0)
    return np.where(ok, gap / np.where(ok, size, 1.0), np.nan)


def speech_envelope(activity: Activity, frames: int) -> np.ndarray:
    """RMS of the audio per video frame, weighted by the share of the frame that is own speech. Both come from
    the activity's 10 ms frames (their levels are the audio's RMS), so the audio is not squared again."""
    rate = 1 / FRAME_SECONDS
    rms = np.sqrt(per_frame(10 ** (activity.level_db / 10), rate, frames))
    return rms * per_frame(activity.speech.astype(np.float64), rate, frames)


def lagged_correlation(video: np.ndarray, audio: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of video[t] with audio[t - lag] for every lag in [-max_lag, max_lag], over the
    frames where both are finite (NaN where fewer than 3 such frames, or where either does not vary). Each sum
    the correlation needs (of known frames, values, squares and products) is, for all lags at once, one
    cross-correlation of the series with unknown frames zeroed; centring both first keeps those sums from
    cancelling out large means."""
    n = min(len(video), len(audio))
    lags = np.arange(-max_lag, max_lag + 1)
    if n == 0:
        return lags, np.full(len(lags), np.nan)

    def centred(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        known = np.isfinite(values)
        mean = values[known].mean() if known.any() else 0.0
        return np.where(known, values - mean, 0.0), known.astype(np.float64)

    def lagged(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Sum over t of x[t] * y[t - lag], for each lag."""
        return np.correlate(np.pad(y, max_lag), x, "valid")[::-1]

    (v, v_known), (a, a_known) = centred(video[:n].astype(np.float64)), centred(audio[:n].astype(np.float64))
    count, sum_v, sum_a = lagged(v_known, a_known), lagged(v, a_known), lagged(v_known, a)
    with np.errstate(invalid="ignore", divide="ignore"):
        square_v, square_a = lagged(v * v, a_known), lagged(v_known, a * a)
        var_v, var_a = square_v - sum_v**2 / count, square_a - sum_a**2 / count  # times count
        corr = (lagged(v, a) - sum_v * sum_a / count) / np.sqrt(var_v * var_a)
    varies = (var_v > 1e-9 * square_v) & (var_a > 1e-9 * square_a)  # beyond what rounding leaves of a constant
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
        envelope = speech_envelope(activity, len(keypoints))
        return estimate_sync(opening, envelope, settings)

    return ctx.signals.get("mouth", str(pf.file_id), compute)
