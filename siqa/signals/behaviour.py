"""Behaviour activity per participant at 30 Hz: when does this person visibly or audibly do something?

Moments of interest annotate behaviour (a laugh, a nod, a frown); the NPZ motion features and the audio show
when it actually happens. Each feature group gives a motion signal, the frame-to-frame change of its features
(a laugh moves the action units, a nod the head, a glance the gaze), smoothed; the voice gives its own-speech
level. Every group is scaled per person (median/MAD z-score over the file's known frames), since people and
recording sites differ in how much they move and how loud they speak; the weighted mean of the groups is the
activity curve, and runs above a hysteresis threshold are the behaviour events the MO rules match windows to.
See docs/signals/behaviour.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import binary_closing

from siqa.context import RuleContext, Skip
from siqa.dataset.errors import ReadError
from siqa.dataset.schema import FPS
from siqa.dataset.units import ParticipantFile
from siqa.signals.activity import FRAME_SECONDS, Activity, file_activity
from siqa.signals.frames import fitted, frame_flags, numeric_frames, per_frame, rest_z, runs, smooth

GROUPS: dict[str, tuple[str, ...]] = {
    "face": ("movement:FAUValue",),
    "expression": ("movement:expression",),
    "head": ("movement:alignment_head_rotation", "movement:alignment_translation"),
    "gaze": ("movement:gaze_encodings",),
    "emotion": ("movement:emotion_arousal", "movement:emotion_valence"),
}
"""Visual feature groups and their NPZ keys; a group whose keys a file lacks is left out of its curve."""
VALID_KEY = "movement:is_valid"
VOICE = "voice"


@dataclass(frozen=True)
class BehaviourSettings:
    """`[signals.behaviour]`: see docs/signals/behaviour.md."""

    feature_smooth_seconds: float
    motion_smooth_seconds: float
    curve_smooth_seconds: float
    rest_percentile: float
    max_z: float
    high: float
    low: float
    edge_share: float
    min_event_seconds: float
    merge_gap_seconds: float
    weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_config(cls, values: dict[str, float]) -> BehaviourSettings:
        weights = {k.removeprefix("weight_"): float(v) for k, v in values.items() if k.startswith("weight_")}
        return cls(**{k: v for k, v in values.items() if not k.startswith("weight_")}, weights=weights)

    def frames(self, seconds: float) -> int:
        return max(1, int(round(seconds * FPS)))


@dataclass(frozen=True)
class Event:
    start: float  # seconds
    end: float
    peak: float  # highest activity inside, in the curve's units


@dataclass(frozen=True)
class Behaviour:
    """`curve`: combined activity per video frame (NaN where no group is known); `groups`: each group's scaled
    activity; `known`: frames where the visual features are valid; `events`: runs of high activity."""

    curve: np.ndarray
    groups: dict[str, np.ndarray]
    known: np.ndarray
    events: list[Event]

    def around(self, start: float, end: float, pad: float = 1.0) -> dict[str, list[float | None]]:
        """The curve from `pad` seconds before to `pad` after a window, for evidence (0.1 s steps)."""
        first, last = max(0, int((start - pad) * FPS)), min(len(self.curve), int((end + pad) * FPS) + 1)
        step = max(1, int(round(0.1 * FPS)))
        picked = np.arange(first, last, step)
        values = self.curve[picked]
        return {"t": [round(i / FPS, 2) for i in picked],
                "activity": [round(float(v), 2) if np.isfinite(v) else None for v in values]}


def motion(features: list[np.ndarray], valid: np.ndarray, settings: BehaviourSettings) -> np.ndarray:
    """Speed of each feature per frame (a column each): norm of the frame-to-frame change of its lightly smoothed
    values, smoothed again; NaN where the frame or its predecessor is invalid or has a non-finite value. The
    speeds are smoothed together, as columns of one array."""
    speeds = np.full((len(valid), len(features)), np.nan)
    for column, values in enumerate(features):
        rows = values.reshape(len(values), int(np.prod(values.shape[1:])))
        ok = valid[: len(rows)] & np.isfinite(rows).all(axis=1)
        step = np.diff(smooth(rows, settings.frames(settings.feature_smooth_seconds), known=ok), axis=0)
        speeds[1:, column] = np.where(ok[1:] & ok[:-1], np.sqrt(np.square(step, out=step).sum(axis=1)), np.nan)
    return smooth(speeds, settings.frames(settings.motion_smooth_seconds))


def voice_level(activity: Activity, frames: int) -> np.ndarray:
    """Own-speech level (dBFS) per video frame where the person mostly speaks, NaN elsewhere. Once scaled, the
    person's typical speech level is 0 and louder than usual (laughing, animated talk) is positive."""
    rate = 1 / FRAME_SECONDS
    share = per_frame(activity.speech.astype(np.float64), rate, frames)
    level = per_frame(np.where(activity.speech, activity.level_db, 0.0), rate, frames)
    with np.errstate(invalid="ignore"):
        return np.where(share >= 0.5, level / np.maximum(share, 1e-9), np.nan)


def combine(groups: dict[str, np.ndarray], known: np.ndarray, settings: BehaviourSettings) -> np.ndarray:
    """Weighted mean of the groups' z-scores (clipped to [-max_z, max_z]) per frame, smoothed; the voice
    counts as rest (0) where the person is silent, and nothing is known where the visual features are
    invalid."""
    frames = len(known)
    total, weight = np.zeros(frames), np.zeros(frames)
    for name, z in groups.items():
        w = settings.weights.get(name, 0.0)
        if w <= 0:
            continue
        values = np.clip(z[:frames], -settings.max_z, settings.max_z)
        if name == VOICE:
            values = np.where(np.isfinite(values), values, 0.0)
        present = np.isfinite(values)
        total += np.where(present, values * w, 0.0)
        weight += np.where(present, w, 0.0)
    curve = np.where((weight > 0) & known, total / np.maximum(weight, 1e-9), np.nan)
    return smooth(curve, settings.frames(settings.curve_smooth_seconds))


def events(curve: np.ndarray, settings: BehaviourSettings) -> list[Event]:
    """Hysteresis: runs above `low` that reach `high` (gaps shorter than `merge_gap_seconds` bridged), each
    narrowed to where the curve is at least `edge_share` of its peak (the smoothing spreads a behaviour's
    edges outwards; half the peak is where a blurred step crosses its own bound), runs shorter than
    `min_event_seconds` dropped."""
    with np.errstate(invalid="ignore"):
        above = curve > settings.low
    gap = settings.frames(settings.merge_gap_seconds)
    bridged = binary_closing(above, structure=np.ones(gap, dtype=bool)) | above if gap > 1 else above
    out = []
    for start, stop in runs(bridged):
        inside = curve[start:stop]
        peak = float(np.nanmax(inside)) if np.isfinite(inside).any() else -np.inf
        if peak < settings.high:
            continue
        with np.errstate(invalid="ignore"):
            core = np.flatnonzero(inside >= max(settings.low, settings.edge_share * peak))
        first, last = start + int(core[0]), start + int(core[-1]) + 1
        if (last - first) / FPS >= settings.min_event_seconds:
            out.append(Event(first / FPS, last / FPS, peak))
    return out


def behaviour(features: dict[str, np.ndarray], activity: Activity | None,
              settings: BehaviourSettings) -> Behaviour:
    """The activity curve and events of one participant from their NPZ features and own-speech activity.
    Features that are not numeric arrays with a frame axis are left out (IN018 reports their shape)."""
    usable = {k: v for k, v in features.items() if numeric_frames(v)}
    frames = max((len(v) for v in usable.values()), default=0)
    valid = frame_flags(usable.get(VALID_KEY), frames)
    keys = [k for keys in GROUPS.values() for k in keys if k in usable]
    z = rest_z(motion([fitted(usable[k], frames) for k in keys], valid, settings), settings.rest_percentile)
    groups: dict[str, np.ndarray] = {}
    for name, group in GROUPS.items():
        present = [keys.index(k) for k in group if k in usable]
        if present:
            stacked = z[:, present]
            count = np.isfinite(stacked).sum(axis=1)
            groups[name] = np.where(count > 0, np.nansum(stacked, axis=1) / np.maximum(count, 1), np.nan)
    if activity is not None and activity.speech.any():
        groups[VOICE] = rest_z(voice_level(activity, frames), settings.rest_percentile)
    visual = [g for n, g in groups.items() if n != VOICE]
    known = np.any(np.isfinite(np.vstack(visual)), axis=0) if visual else np.zeros(frames, dtype=bool)
    curve = combine(groups, known, settings)
    return Behaviour(curve, groups, known & np.isfinite(curve), events(curve, settings))


def file_behaviour(pf: ParticipantFile, partner: ParticipantFile | None, ctx: RuleContext) -> Behaviour:
    """The behaviour of `pf` (cached per file); Skip when it has no NPZ or none of the motion features."""

    def compute() -> Behaviour:
        if not pf.has("npz"):
            raise Skip(f"{pf.file_id}: no NPZ features")
        keys = [k for keys in GROUPS.values() for k in keys]
        features = pf.features(VALID_KEY, *keys)
        if not any(k in features for k in keys):
            raise Skip(f"{pf.file_id}: none of the motion features {', '.join(keys)}")
        try:
            activity = file_activity(pf, partner, ctx) if pf.has("wav") else None
        except ReadError:
            activity = None  # IN001 reports the audio; the visual groups still tell when behaviour happens
        settings = BehaviourSettings.from_config(ctx.signal_settings("behaviour", pf.site))
        return behaviour(features, activity, settings)

    return ctx.signals.get("behaviour", str(pf.file_id), compute)
