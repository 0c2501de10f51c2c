"""Appearances: one participant id in one session, the unit people are compared by.

The files of one id in one session are one person on one day (same microphone, same clothes), so their
vectors are averaged: longer speech and more frames make a steadier fingerprint, and the comparison's size
follows sessions, not files. Vectors are only averaged with vectors of the same embedding space (backend or
feature keys) and length; rows of another space are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

SIGNALS = ("voice", "visual")


@dataclass
class Appearances:
    table: pd.DataFrame  # per appearance: session_key, participant_id, site, batch, files (list of file ids)
    vectors: dict[str, np.ndarray] = field(
        default_factory=dict
    )  # signal -> (n, dims) float32, NaN rows: absent
    spaces: dict[str, str] = field(default_factory=dict)  # signal -> the embedding space compared
    left_out: dict[str, int] = field(
        default_factory=dict
    )  # signal -> file vectors of another space or length

    def __len__(self) -> int:
        return len(self.table)

    def has(self, signal: str) -> np.ndarray:
        return ~np.isnan(self.vectors[signal][:, 0])


def aggregate(store: pd.DataFrame, signals: tuple[str, ...] = SIGNALS) -> Appearances:
    codes, keys = pd.factorize(pd.MultiIndex.from_arrays([store["session_key"], store["participant_id"]]))
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(keys)))
    first = order[starts]
    files = np.split(store["file_id"].to_numpy()[order], starts[1:]) if len(keys) else []  # no file: none
    table = pd.DataFrame(
        {
            "session_key": store["session_key"].to_numpy()[first],
            "participant_id": store["participant_id"].to_numpy()[first],
            "site": store["site"].to_numpy()[first],
            "batch": store["batch"].to_numpy()[first],
            "files": [list(f) for f in files],
        }
    )
    appearances = Appearances(table)
    for signal in signals:
        matrix, space, left_out = _mean_vectors(store, signal, codes, len(table))
        if matrix is not None:
            appearances.vectors[signal], appearances.spaces[signal] = matrix, space
        appearances.left_out[signal] = left_out
    return appearances


def _mean_vectors(
    store: pd.DataFrame, signal: str, codes: np.ndarray, count: int
) -> tuple[np.ndarray | None, str, int]:
    present = store[signal].notna().to_numpy()
    if not present.any():
        return None, "", 0
    spaces = store[f"{signal}_space"].to_numpy()
    lengths = store[signal].map(lambda v: -1 if v is None else len(v)).to_numpy()
    space = pd.Series(spaces[present]).mode().iloc[0]
    length = pd.Series(lengths[present & (spaces == space)]).mode().iloc[0]
    rows = np.flatnonzero(present & (spaces == space) & (lengths == length))
    values = np.stack(store[signal].to_numpy()[rows]).astype(np.float32)
    return group_means(values, codes[rows], count), str(space), int(present.sum() - len(rows))


def group_means(values: np.ndarray, codes: np.ndarray, count: int) -> np.ndarray:
    """Mean of the rows of `values` per code (0..count-1), NaN for codes without rows; a sparse product, so
    linear in the rows."""
    members = sparse.csr_matrix(
        (np.ones(len(codes), np.float32), (codes, np.arange(len(codes)))), shape=(count, len(codes))
    )
    sizes = np.asarray(members.sum(axis=1)).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.asarray(members @ values) / sizes[:, None]).astype(np.float32)
