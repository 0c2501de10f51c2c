"""Which pairs of appearances are compared: blocked by id, never all pairs.

- Within an id: every pair of its appearances (sessions). An id has tens of sessions, so this is small.
- Across ids: each appearance against the `k` ids whose mean is nearest to it (a search over id means, in
  blocks), then against (up to `member_cap` of) those ids' appearances. A person recorded under a second id
  lands next to their first id's mean, so the pair is found; two people who were never near are never paired.

The cost follows appearances x ids, not appearances squared; the two partners of a session are never paired.
"""

from __future__ import annotations

import numpy as np

from siqa.identity.distances import FusedSpace

Pairs = tuple[np.ndarray, np.ndarray]


def members_by_code(codes: np.ndarray, count: int, cap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row indices grouped by code, and each code's (start, size) in that order; at most `cap` per code,
    spread evenly over the code's rows."""
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=count)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    if cap is None or sizes.max(initial=0) <= cap:
        return order, np.stack([starts, sizes], axis=1)
    kept = np.minimum(sizes, cap)
    stride = np.repeat(sizes / np.maximum(kept, 1), kept)
    picks = np.repeat(starts, kept) + (_ramp(kept) * stride).astype(np.int64)
    return order[picks], np.stack([np.concatenate(([0], np.cumsum(kept)[:-1])), kept], axis=1)


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in `lengths`, concatenated."""
    total = int(lengths.sum())
    return np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def within_id_pairs(codes: np.ndarray) -> Pairs:
    """Every pair of appearances that share an id."""
    count = int(codes.max(initial=-1)) + 1
    order, spans = members_by_code(codes, count)
    left, right = [], []
    for start, size in spans[spans[:, 1] > 1]:
        i, j = np.triu_indices(int(size), 1)
        members = order[start : start + size]
        left.append(members[i])
        right.append(members[j])
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(left), np.concatenate(right)


def cross_id_pairs(
    space: FusedSpace, codes: np.ndarray, sessions: np.ndarray, k: int, member_cap: int
) -> Pairs:
    """Pairs of appearances of different ids and sessions, each appearance against its `k` nearest ids."""
    count = int(codes.max(initial=-1)) + 1
    near = space.nearest(space.centroids(codes, count), k, exclude=codes)
    rows = np.repeat(np.arange(len(codes)), near.shape[1])
    ids = near.reshape(-1)
    rows, ids = rows[ids >= 0], ids[ids >= 0]
    order, spans = members_by_code(codes, count, member_cap)
    sizes = spans[ids, 1]
    left = np.repeat(rows, sizes)
    right = order[np.repeat(spans[ids, 0], sizes) + _ramp(sizes)]
    keep = sessions[left] != sessions[right]
    low, high = np.minimum(left[keep], right[keep]), np.maximum(left[keep], right[keep])
    unique = np.unique(low * len(codes) + high)
    return unique // len(codes), unique % len(codes)
