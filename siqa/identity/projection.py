"""Where distances are measured: a projection per signal, learnt from the release's own recurring ids.

Raw vectors mix what tells people apart with what changes from one session to the next (the words spoken,
the light, the microphone). Linear discriminant analysis on the appearances of recurring ids keeps the
directions along which ids differ much more than one id's sessions do, and scales each so that one person's
sessions spread with unit variance. After the projection, two sessions of one person are at squared distance
about 1 whatever the signal, which is what lets the voice and the face be averaged into one distance.

A few id errors among the recurring ids are tolerated: the appearances farthest from their id's mean (the
wrong person under the id) are trimmed before the within-person spread is estimated. With too few recurring
sessions for a full covariance, each dimension is scaled by its own within-person spread instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg


@dataclass(frozen=True)
class Projection:
    mean: np.ndarray
    basis: np.ndarray  # (dims, k): z = (x - mean) @ basis
    method: str  # "lda" or "diagonal"
    ratios: tuple[float, ...]  # between/within variance of the kept directions (lda)
    dof: int  # within-person degrees of freedom it was estimated from

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        return ((vectors - self.mean) @ self.basis).astype(np.float32)

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "dims_in": int(self.basis.shape[0]),
            "dims_kept": int(self.basis.shape[1]),
            "within_dof": self.dof,
            "top_ratios": [round(r, 2) for r in self.ratios[:8]],
        }


def _residuals(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Each recurring id's appearances minus the id's mean, and the degrees of freedom they carry."""
    codes, _ = pd.factorize(labels)
    sizes = np.bincount(codes)
    recurring = sizes[codes] > 1
    if not recurring.any():
        return np.empty((0, vectors.shape[1])), 0
    frame = pd.DataFrame(vectors[recurring]).groupby(codes[recurring])
    residuals = vectors[recurring] - frame.transform("mean").to_numpy()
    scale = np.sqrt(sizes[codes[recurring]] / (sizes[codes[recurring]] - 1))  # unbiased per-row spread
    return residuals * scale[:, None], int(recurring.sum() - len(np.unique(codes[recurring])))


def fit_projection(vectors: np.ndarray, labels: np.ndarray, settings: dict[str, Any]) -> Projection | None:
    """One signal's projection, or None with too few recurring sessions to learn it from."""
    residuals, dof = _residuals(vectors.astype(np.float64), labels)
    if dof < settings["min_within_dof"]:
        return None
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0)
    scale[scale == 0] = 1.0
    residuals = residuals / scale
    spread = np.sum(residuals**2, axis=1)
    kept = spread <= np.quantile(spread, 1.0 - settings["trim_fraction"])
    dof = max(1, dof - int((~kept).sum()))
    within = residuals[kept].T @ residuals[kept] / dof
    dims = vectors.shape[1]
    if dof < settings["lda_dof_per_dim"] * dims:
        unit = 1.0 / (scale * np.sqrt(np.maximum(np.diag(within), 1e-12)))
        return Projection(mean, np.diag(unit) / np.sqrt(2 * dims), "diagonal", (), dof)
    shrink = settings["shrinkage"]
    within = (1 - shrink) * within + shrink * np.diag(np.diag(within))
    total = np.cov(((vectors - mean) / scale).T)
    ratios, directions = linalg.eigh(total, within)
    order = np.argsort(ratios)[::-1]
    ratios, directions = ratios[order], directions[:, order]
    keep = max(1, min(int(settings["max_dims"]), int((ratios >= settings["min_ratio"]).sum())))
    basis = directions[:, :keep] / scale[:, None] / np.sqrt(2 * keep)
    return Projection(mean, basis, "lda", tuple(float(r) for r in ratios[:keep]), dof)
