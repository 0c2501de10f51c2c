"""Signals on the video's clock: values at another rate averaged per 30 Hz frame, gap-aware smoothing,
scaling against the person's rest level, runs of a mask, sub-frame peaks. Shared by the behaviour and mouth
signals, which compare NPZ features (one row per video frame) with curves derived from the audio; `runs` serves
masks at any frame rate (speech activity, bleed windows, voiced frames)."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.special import ndtri

from siqa.dataset.schema import FPS


def numeric_frames(values: np.ndarray) -> bool:
    """A numeric (or boolean) array with a leading frame axis; anything else is a feature no signal can use."""
    return values.ndim >= 1 and (values.dtype == bool or np.issubdtype(values.dtype, np.number))


def fitted(values: np.ndarray, frames: int) -> np.ndarray:
    """`values` cut to `frames` rows or padded with NaN (the features of one file may disagree in length)."""
    if len(values) == frames:
        return values.astype(np.float64, copy=False)
    pad = np.full((max(0, frames - len(values)), *values.shape[1:]), np.nan)
    return np.concatenate((values[:frames].astype(np.float64), pad))


def frame_flags(flags: np.ndarray | None, frames: int) -> np.ndarray:
    """A validity flag per frame: all of a row's flags set; frames past the flags' end are invalid, and every
    frame is valid when there are no flags at all."""
    if flags is None:
        return np.ones(frames, dtype=bool)
    rows = row_flags(flags)
    return np.concatenate((rows[:frames], np.zeros(max(0, frames - len(rows)), dtype=bool)))


def row_flags(flags: np.ndarray) -> np.ndarray:
    """One flag per row (frame): all of the row's flags set (a validity key may hold several per frame)."""
    return np.all(flags.reshape(len(flags), int(np.prod(flags.shape[1:]))).astype(bool), axis=1)


def per_frame(values: np.ndarray, rate: float, frames: int) -> np.ndarray:
    """Mean of `values` (sampled at `rate` Hz) over each video frame [i/FPS, (i+1)/FPS); NaN past the end."""
    edges = np.round(np.arange(frames + 1) * rate / FPS).astype(int)
    covered = edges[1:] <= len(values)
    out = np.full(frames, np.nan)
    if covered.any():
        stop = int(np.flatnonzero(covered)[-1]) + 1
        sums = np.add.reduceat(np.asarray(values[: edges[stop]], dtype=np.float64), edges[:stop])
        counts = np.diff(edges[: stop + 1])
        out[:stop] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return out


def spread(items: np.ndarray, most: int) -> np.ndarray:
    """At most `most` of `items`, evenly spread over them (all of them when there are no more)."""
    return items if len(items) <= most else items[np.linspace(0, len(items) - 1, most).astype(int)]


def smooth(values: np.ndarray, frames: int, known: np.ndarray | None = None) -> np.ndarray:
    """Moving average over `frames` along the first axis, ignoring unknown values: NaN, or with `known` (a flag
    per row) the rows it does not flag, whose flags then are smoothed once for all of a row's values. A value is
    NaN where most of its neighbourhood is unknown."""
    flags = np.isfinite(values) if known is None else known.reshape(len(known), *[1] * (values.ndim - 1))
    # the one copy of the values, filtered and divided in place: each large temporary costs page faults
    total = np.where(flags, values, 0.0)
    uniform_filter1d(total, frames, axis=0, output=total, mode="nearest")
    share = uniform_filter1d(flags.astype(np.float64), frames, axis=0, mode="nearest")
    with np.errstate(invalid="ignore"):
        return np.divide(total, np.where(share >= 0.5, share, np.nan), out=total)


def rest_z(values: np.ndarray, rest_percentile: float) -> np.ndarray:
    """How far above the person's rest level each value is, in units of the rest spread. The rest level is the
    `rest_percentile` of the finite values and the spread comes from the tail below it (normal-consistent:
    exact for a person at rest throughout), so both stay within the rest distribution as long as the person
    rests more than that share of the time, however much they move otherwise (a median/MAD z-score breaks
    once behaviour fills half the file). NaN stays NaN. Each column of a 2-D array is scaled on its own."""
    low = max(rest_percentile / 5, 0.5)

    def levels(column: np.ndarray) -> np.ndarray:
        known = column[np.isfinite(column)]
        return np.percentile(known, [rest_percentile, low]) if known.size else np.full(2, np.nan)

    columns = values.reshape(len(values), int(np.prod(values.shape[1:])))
    centre, floor = np.array([levels(c) for c in columns.T]).T.reshape(2, *values.shape[1:])
    spread = (centre - floor) / (ndtri(rest_percentile / 100) - ndtri(low / 100))  # the normal's quantiles
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 0, (values - centre) / spread, np.where(np.isfinite(values), 0.0, np.nan))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) frame indices of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2])]


def refined_peak(values: np.ndarray, k: int) -> float:
    """Index of the peak at `k` refined below one step by the parabola through it and its neighbours."""
    if 0 < k < len(values) - 1:
        left, mid, right = values[k - 1], values[k], values[k + 1]
        curvature = left - 2 * mid + right
        if curvature < 0:
            return k + 0.5 * (left - right) / curvature
    return float(k)
