"""NPZ features at 30 Hz with every documented key: a stable visual identity per person, mouth opening that
follows the person's own speech, and behaviour (action units, expression, head motion, gaze, emotion) raised
around the moments of interest."""

from __future__ import annotations

import numpy as np

from siqa.dataset.schema import FACE_KEYPOINTS, FPS, NPZ_FRAME_SHAPES, SAMPLE_RATE
from siqa.synth.people import Person

MOUTH = slice(FACE_KEYPOINTS.start + 48, FACE_KEYPOINTS.start + 68)
UPPER_LIP, LOWER_LIP = slice(MOUTH.start, MOUTH.start + 10), slice(MOUTH.start + 10, MOUTH.stop)


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


def behaviour_curve(frames: int, events: list[tuple[float, float]], rng: np.random.Generator) -> np.ndarray:
    """Activity in [0, ~1]: smooth bumps over each behaviour event, low noise elsewhere."""
    t = np.arange(frames) / FPS
    curve = np.abs(rng.normal(0, 0.03, frames))
    for start, end in events:
        ramp = 0.25
        rise = np.clip((t - start) / ramp + 1, 0, 1)
        fall = np.clip((end - t) / ramp + 1, 0, 1)
        curve += np.minimum(rise, fall) * 0.9
    return curve


def _smooth_walk(rng: np.random.Generator, frames: int, dims: int, scale: float) -> np.ndarray:
    steps = rng.normal(0, scale, (frames, dims))
    return np.cumsum(steps, axis=0) * 0.05 + rng.normal(0, scale, dims)


def make_features(person: Person, envelope: np.ndarray, activity: np.ndarray, valid: np.ndarray,
                  rng: np.random.Generator) -> dict[str, np.ndarray]:
    frames = len(envelope)
    identity = np.asarray(person.identity, dtype=np.float32)
    person_rng = np.random.default_rng(person.number)
    face = person_rng.uniform(0.3, 0.7, (133, 2))
    keypoints = np.repeat(face[None], frames, axis=0) + rng.normal(0, 0.002, (frames, 133, 2))
    keypoints[:, LOWER_LIP, 1] += 0.04 * envelope[:, None]  # the jaw opens with the voice
    scores = np.full((frames, 133, 1), 0.9)
    au_axes = person_rng.normal(0, 1, (24,))
    out: dict[str, np.ndarray] = {
        "boxes_and_keypoints:box": np.tile(np.array([0.3, 0.2, 0.7, 0.9]), (frames, 1)) + rng.normal(0, 0.005, (frames, 4)),
        "boxes_and_keypoints:is_valid_box": valid.copy(),
        "boxes_and_keypoints:keypoints": np.concatenate((keypoints, scores), axis=2),
        "movement:FAUValue": 0.2 + activity[:, None] * np.abs(au_axes) * 0.5 + rng.normal(0, 0.02, (frames, 24)),
        "movement:expression": activity[:, None] * person_rng.normal(0, 1, 50) + rng.normal(0, 0.05, (frames, 50)),
        "movement:alignment_head_rotation": _smooth_walk(rng, frames, 3, 0.02) + activity[:, None] * 0.2,
        "movement:alignment_translation": _smooth_walk(rng, frames, 3, 0.01),
        "movement:emotion_arousal": 0.1 + 0.6 * activity + rng.normal(0, 0.02, frames),
        "movement:emotion_valence": 0.1 + 0.4 * activity + rng.normal(0, 0.02, frames),
        "movement:emotion_scores": rng.dirichlet(np.ones(8), frames),
        "movement:frame_latent": rng.normal(0, 0.1, (frames, 128)),
        "movement:gaze_encodings": _smooth_walk(rng, frames, 16, 0.05) + activity[:, None],
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
