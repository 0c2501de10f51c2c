"""A visual identity vector per participant file, from the NPZ motion features.

Per-frame face features such as `movement:hypernet_features` and `movement:head_encodings` carry who the face
belongs to plus what it does; averaged over a recording's valid tracking frames, the motion averages out and
the identity stays. Frames where tracking is lost (or the values are not finite) are left out: they hold
placeholders, not the face.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siqa.dataset.units import ParticipantFile

VALID_KEY = "movement:is_valid"


@dataclass(frozen=True)
class VisualPrint:
    vector: np.ndarray | None  # None: a key is missing or too few valid frames
    frames: int  # valid frames averaged


def visual_print(pf: ParticipantFile, keys: Sequence[str], min_frames: int) -> VisualPrint:
    """The per-file means of `keys`, concatenated in order, over frames that are valid and finite in all."""
    features = pf.features(*keys, VALID_KEY)
    if any(key not in features for key in keys):
        return VisualPrint(None, 0)
    arrays = [np.asarray(features[key], dtype=np.float64).reshape(len(features[key]), -1) for key in keys]
    frames = min(len(a) for a in arrays)
    valid = np.ones(frames, dtype=bool)
    if VALID_KEY in features:
        flags = np.asarray(features[VALID_KEY]).astype(bool).reshape(-1)[:frames]
        valid[: len(flags)] &= flags
        valid[len(flags):] = False
    for array in arrays:
        valid &= np.isfinite(array[:frames]).all(axis=1)
    count = int(valid.sum())
    if count < min_frames:
        return VisualPrint(None, count)
    means = [a[:frames][valid].mean(axis=0) for a in arrays]
    return VisualPrint(np.concatenate(means).astype(np.float32), count)
