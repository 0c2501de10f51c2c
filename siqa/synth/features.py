"""NPZ features at 30 Hz with every documented key: a stable visual identity per person, mouth opening that
follows the person's own speech, and behaviour around the moments of interest: action units, expression, head,
gaze and emotion move (not only shift) while it lasts, and the voice is livelier."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from siqa.dataset.schema import FPS, LOWER_LIP, NPZ_FRAME_SHAPES, SAMPLE_RATE
from siqa.synth.people import Person

RAMP_SECONDS = 0.3  # a behaviour builds up over this long after its start and fades over this long before its end
VOICE_GAIN = 0.3  # speech during a behaviour is up to 30% (2.3 dB) louder: laughing, animated talk
MOTION_SECONDS = 0.12  # movement during a behaviour is white noise smoothed over this long (a few hertz)
APPEARANCE_SPREAD = 0.5  # how one recording's look (light, pose, hair) moves the face identity (unit spread)


def frames_for(duration: float) -> int:
    return int(round(duration * FPS))


def speech_envelope(clean: np.ndarray, frames: int) -> np.ndarray:
    """Own-speech level per video frame, scaled to [0, 1]: what the mouth follows."""
    hop = SAMPLE_RATE / FPS
    edges = (np.arange(frames + 1) * hop).astype(int).clip(0, len(clean))
    power = np.add.reduceat(clean.astype(np.float64) ** 2, edges[:-1]) / np.maximum(np.diff(edges), 1)
    power[np.diff(edges) == 0] = 0.0
    rms = np.sqrt(power)
    return np.clip(rms / (rms.max() or 1.0), 0.0, 1.0)


def behaviour_envelope(times: np.ndarray, events: list[tuple[float, float]]) -> np.ndarray:
    """0 outside the behaviour events, 1 inside them once built up (RAMP_SECONDS after the start and before the
    end): nothing moves outside an event's bounds."""
    envelope = np.zeros(len(times))
    for start, end in events:
        rise = np.clip((times - start) / RAMP_SECONDS, 0, 1)
        fall = np.clip((end - times) / RAMP_SECONDS, 0, 1)
        envelope = np.maximum(envelope, np.minimum(rise, fall))
    return envelope


def behaviour_curve(frames: int, events: list[tuple[float, float]], rng: np.random.Generator) -> np.ndarray:
    """Activity in [0, ~1] per video frame: the behaviour envelope, low noise elsewhere."""
    return np.abs(rng.normal(0, 0.03, frames)) + 0.9 * behaviour_envelope(np.arange(frames) / FPS, events)


def livelier_voice(clean: np.ndarray, events: list[tuple[float, float]]) -> np.ndarray:
    """Own speech made louder during the behaviour events (what the audio shows of a behaviour); the track is
    then scaled back to its own peak, so the voice rises against the rest of the track and never clips."""
    louder = clean * (1.0 + VOICE_GAIN * behaviour_envelope(np.arange(len(clean)) / SAMPLE_RATE, events))
    peak, new_peak = float(np.max(np.abs(clean), initial=0.0)), float(np.max(np.abs(louder), initial=0.0))
    return (louder * (peak / new_peak if new_peak > peak else 1.0)).astype(clean.dtype)


def _motion(rng: np.random.Generator, activity: np.ndarray, dims: int) -> np.ndarray:
    """Movement of unit spread, scaled by the activity: features move while a behaviour lasts."""
    wiggle = gaussian_filter1d(rng.normal(0, 1, (len(activity), dims)), MOTION_SECONDS * FPS, axis=0)
    return activity[:, None] * wiggle / (wiggle.std(axis=0) + 1e-9)


def _lip_gap(rng: np.random.Generator, envelope: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """How far the lower lip drops: with the voice, unevenly from syllable to syllable, and a little during a
    behaviour (a laugh or a smile opens the mouth without speech)."""
    articulation = gaussian_filter1d(rng.normal(0, 1, len(envelope)), 1.5)
    articulation = np.clip(1 + 0.5 * articulation / (articulation.std() + 1e-9), 0.2, None)
    return 0.04 * envelope * articulation + 0.01 * activity


def _smooth_walk(rng: np.random.Generator, frames: int, dims: int, scale: float) -> np.ndarray:
    steps = rng.normal(0, scale, (frames, dims))
    return np.cumsum(steps, axis=0) * 0.05 + rng.normal(0, scale, dims)


def make_features(person: Person, envelope: np.ndarray, activity: np.ndarray, valid: np.ndarray,
                  rng: np.random.Generator) -> dict[str, np.ndarray]:
    frames = len(envelope)
    # a child stream: the recording's look varies without changing any other feature's random values
    identity = np.asarray(person.identity, dtype=np.float32) + rng.spawn(1)[0].normal(0, APPEARANCE_SPREAD, 64)
    person_rng = np.random.default_rng(person.number)
    face = person_rng.uniform(0.3, 0.7, (133, 2))
    keypoints = np.repeat(face[None], frames, axis=0) + rng.normal(0, 0.004, (frames, 133, 2))
    keypoints[:, list(LOWER_LIP), 1] += _lip_gap(rng, envelope, activity)[:, None]
    scores = np.full((frames, 133, 1), 0.9)
    au_axes = person_rng.normal(0, 1, (24,))
    out: dict[str, np.ndarray] = {
        "boxes_and_keypoints:box": (np.tile(np.array([0.3, 0.2, 0.7, 0.9]), (frames, 1))
                                    + rng.normal(0, 0.005, (frames, 4))),
        "boxes_and_keypoints:is_valid_box": valid.copy(),
        "boxes_and_keypoints:keypoints": np.concatenate((keypoints, scores), axis=2),
        "movement:FAUValue": 0.2 + activity[:, None] * np.abs(au_axes) * 0.5 + 0.15 * _motion(rng, activity, 24)
                             + rng.normal(0, 0.02, (frames, 24)),
        "movement:expression": activity[:, None] * person_rng.normal(0, 1, 50) + 0.4 * _motion(rng, activity, 50)
                               + rng.normal(0, 0.05, (frames, 50)),
        "movement:alignment_head_rotation": _smooth_walk(rng, frames, 3, 0.02) + activity[:, None] * 0.2
                                            + 0.05 * _motion(rng, activity, 3),
        "movement:alignment_translation": _smooth_walk(rng, frames, 3, 0.01),
        "movement:emotion_arousal": 0.1 + 0.6 * activity + 0.1 * _motion(rng, activity, 1)[:, 0]
                                    + rng.normal(0, 0.02, frames),
        "movement:emotion_valence": 0.1 + 0.4 * activity + 0.1 * _motion(rng, activity, 1)[:, 0]
                                    + rng.normal(0, 0.02, frames),
        "movement:emotion_scores": rng.dirichlet(np.ones(8), frames),
        "movement:frame_latent": rng.normal(0, 0.1, (frames, 128)),
        "movement:gaze_encodings": _smooth_walk(rng, frames, 16, 0.05) + activity[:, None]
                                   + 0.3 * _motion(rng, activity, 16),
        "movement:head_encodings": identity[:16] + rng.normal(0, 0.05, (frames, 16)),
        "movement:hypernet_features": identity + rng.normal(0, 0.05, (frames, 64)),
        "movement:is_valid": valid.copy(),
        "smplh:body_pose": _smooth_walk(rng, frames, 63, 0.01),
        "smplh:global_orient": _smooth_walk(rng, frames, 3, 0.01),
        "smplh:is_valid": valid.copy(),
        "smplh:left_hand_pose": _smooth_walk(rng, frames, 45, 0.01),
        "smplh:right_hand_pose": _smooth_walk(rng, frames, 45, 0.01),
        "smplh:translation": _smooth_walk(rng, frames, 3, 0.005),
    }
    out["movement:EmotionArousalToken"] = np.digitize(out["movement:emotion_arousal"], [0.25, 0.5, 0.75])
    out["movement:EmotionValenceToken"] = np.digitize(out["movement:emotion_valence"], [0.2, 0.4, 0.6])
    out["movement:FAUToken"] = np.argmax(out["movement:FAUValue"], axis=1)
    return {k: _typed(k, v) for k, v in out.items()}


def _typed(key: str, value: np.ndarray) -> np.ndarray:
    if key.endswith(("is_valid", "is_valid_box")):
        return value.astype(bool)
    if key.endswith("Token"):
        return value.astype(np.int64)
    array = value.astype(np.float32)
    assert array.shape[1:] == NPZ_FRAME_SHAPES[key], key
    return array
