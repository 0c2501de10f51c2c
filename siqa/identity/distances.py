"""The fused distance between appearances: over the signals both sides have, the weighted mean of the squared
distances in each signal's projected space (about 1 between two sessions of one person), square-rooted.

Each signal's weight is how well it separates people in this release (set by the comparison from the data):
a weak signal averaged in with equal weight would only add noise to a strong one. Each signal's squared
distance counts for at most its cap (typical different people), so one noisy signal on one pair (a session
with little speech) cannot outweigh the others. A pair with no weighted
signal in common has no distance (NaN) and is never judged. Work is done in blocks, so memory follows the
block size and never the square of the number of appearances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siqa.identity.appearances import group_means

PAIR_BLOCK = 500_000  # pairs per block
BLOCK_CELLS = 8_000_000  # distances per block of a nearest-neighbour search (64 MB of float64)


@dataclass
class FusedSpace:
    points: dict[str, np.ndarray]  # signal -> (n, k) projected vectors, NaN rows where absent
    weights: dict[str, float] = field(default_factory=dict)  # signal -> weight (1 when not set)
    caps: dict[str, float] = field(default_factory=dict)  # signal -> the most a squared distance counts for

    def squared(self, signal: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """One signal's squared distance of each pair (left[i], right[i]); NaN where a side lacks it."""
        points = self.points[signal]
        out = np.empty(len(left))
        for start in range(0, len(left), PAIR_BLOCK):
            gap = points[left[start : start + PAIR_BLOCK]] - points[right[start : start + PAIR_BLOCK]]
            out[start : start + len(gap)] = np.einsum("ij,ij->i", gap, gap)
        return out

    def pairs(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Fused distance of each pair (left[i], right[i])."""
        return self._fuse({signal: self.squared(signal, left, right) for signal in self.points}, len(left))

    def _fuse(self, squared: dict[str, np.ndarray], size: int | tuple[int, int]) -> np.ndarray:
        total, weight = np.zeros(size), np.zeros(size)
        for signal, values in squared.items():
            shared = ~np.isnan(values)
            total[shared] += self.weights.get(signal, 1.0) * np.minimum(values[shared], self.caps.get(signal, np.inf))
            weight += self.weights.get(signal, 1.0) * shared
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(np.where(weight > 0, total / weight, np.nan)).astype(np.float32)

    def centroids(self, codes: np.ndarray, count: int) -> FusedSpace:
        """Per code (an id), the mean of its appearances in each signal."""
        means = {}
        for signal, points in self.points.items():
            present = ~np.isnan(points[:, 0])
            means[signal] = group_means(points[present], codes[present], count)
        return FusedSpace(means, self.weights, self.caps)

    def nearest(self, other: FusedSpace, k: int, exclude: np.ndarray) -> np.ndarray:
        """For each point, the indices of the `k` nearest points of `other` (-1 past the comparable ones),
        never its own `exclude[i]`; blocked over rows."""
        n, m = len(next(iter(self.points.values()))), len(next(iter(other.points.values())))
        k = min(k, m - 1) if m > 1 else 0
        out = np.full((n, max(k, 0)), -1, dtype=np.int64)
        if k <= 0:
            return out
        step = max(16, BLOCK_CELLS // m)
        for start in range(0, n, step):
            rows = slice(start, min(n, start + step))
            squared = {signal: _squared(points[rows], other.points[signal]) for signal, points in self.points.items()}
            fused = np.nan_to_num(self._fuse(squared, (rows.stop - start, m)), nan=np.inf)
            fused[np.arange(len(fused)), exclude[rows]] = np.inf
            top = np.argpartition(fused, k - 1, axis=1)[:, :k]
            top[np.take_along_axis(fused, top, axis=1) == np.inf] = -1
            out[rows] = top
        return out


def _squared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the rows of `a` and `b` (NaN where a row is absent), by BLAS."""
    a0, b0 = np.nan_to_num(a), np.nan_to_num(b)
    squared = (a0 * a0).sum(axis=1)[:, None] + (b0 * b0).sum(axis=1)[None, :] - 2.0 * (a0 @ b0.T)
    np.maximum(squared, 0.0, out=squared)
    squared[np.isnan(a[:, 0])] = np.nan
    squared[:, np.isnan(b[:, 0])] = np.nan
    return squared
