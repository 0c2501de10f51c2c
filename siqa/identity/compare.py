"""The release-wide comparison: who is who across every stored participant file.

1. Files become appearances (one id in one session) and each signal is projected where one person's sessions
   are about 1 apart (`projection`); voice and face are fused by a mean weighted by how well each separates
   people in this release (`distances`).
2. Pairs are compared blocked by id (`neighbours`): all sessions of each id, and each session against the ids
   nearest to it; the two distributions calibrate per-site thresholds (`calibrate`).
3. Within each id, sessions closer than the threshold are linked; the linked groups are people. The id's main
   group is its largest (on ties: the one that looks least like another id). Every other group is a split
   (ID001: one id, two people), matched to the id whose person it is when one is close.
4. Main groups of different ids that are linked (and never sat in one session together) are one person under
   two ids (ID002): each is merged into the largest group of its cluster. Groups that sat in one session
   together are never linked, however alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from siqa.identity.appearances import SIGNALS, Appearances, aggregate
from siqa.identity.calibrate import Calibration, NotCalibrated, SiteModel, calibrate, fits
from siqa.identity.distances import FusedSpace
from siqa.identity.neighbours import cross_id_pairs, members_by_code, within_id_pairs
from siqa.identity.projection import fit_projection

LINK = 0.5  # p_same at which two sessions are linked: the calibrated threshold
NO_FINGERPRINT = ("no participant file gave a fingerprint (no readable audio or features, or ID004 not run): "
                  "nothing to compare")


@dataclass(frozen=True)
class Split:
    """Sessions of `participant_id` that are someone else than the id's main group (ID001)."""

    participant_id: str
    group: tuple[int, ...]  # appearance indices
    main: tuple[int, ...]
    nearest: float  # the closest the two groups come (fused distance)
    median: float
    confidence: float  # 1 - p_same of the closest pair
    match: str | None  # the id whose person this group is, when one is linked
    match_distance: float | None


@dataclass(frozen=True)
class Merge:
    """The main group of `participant_id` is the person of `into` (ID002)."""

    participant_id: str
    into: str
    group: tuple[int, ...]
    target: tuple[int, ...]
    median: float
    nearest: float
    within: float | None  # median distance between the target's own sessions, for scale
    confidence: float  # median p_same over the pairs of sessions


@dataclass
class Comparison:
    appearances: Appearances
    calibration: Calibration | None = None
    splits: list[Split] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Pairs:
    left: np.ndarray
    right: np.ndarray
    distance: np.ndarray
    p_same: np.ndarray = field(default_factory=lambda: np.empty(0))

    def subset(self, rows: np.ndarray) -> _Pairs:
        return _Pairs(self.left[rows], self.right[rows], self.distance[rows], self.p_same[rows])


def _space(appearances: Appearances, settings: dict[str, Any], report: dict[str, Any]) -> FusedSpace:
    labels = appearances.table["participant_id"].to_numpy()
    points = {}
    for signal, vectors in appearances.vectors.items():
        has = appearances.has(signal)
        projection = fit_projection(vectors[has], labels[has], settings)
        report["signals"][signal] = {
            "space": appearances.spaces[signal],
            "appearances": int(has.sum()),
            "files_left_out": appearances.left_out[signal],
            **(projection.describe() if projection else {"used": False}),
        }
        if projection is not None:
            projected = np.full((len(appearances), projection.basis.shape[1]), np.nan, np.float32)
            projected[has] = projection.apply(vectors[has])
            points[signal] = projected
    return FusedSpace(points)


def _weights(space: FusedSpace, within: _Pairs, cross: _Pairs, settings: dict[str, Any],
             report: dict[str, Any]) -> dict[str, float]:
    """Each signal's weight in the fused distance: its separation d' (same-id sessions against sessions of the
    nearby other ids, by that signal alone) squared, as the information of independent signals adds; 0 where
    it does not separate people at all."""
    weights = {}
    for signal in space.points:
        same = np.sqrt(space.squared(signal, within.left, within.right))
        different = np.sqrt(space.squared(signal, cross.left, cross.right))
        alone = SiteModel(*fits(same, different), "release")
        enough = min(alone.same.count, alone.different.count) >= settings["min_pairs"]
        separation = alone.separation if enough else 0.0
        weights[signal] = max(separation, 0.0) ** 2
        space.caps[signal] = float(np.exp(2 * alone.different.mu))  # the median different-id squared distance
        report["signals"][signal]["separation"] = round(separation, 2)
    if not any(weights.values()):
        raise NotCalibrated("no signal separates one id's sessions from other ids: too few recurring "
                            "participants, or fingerprints that do not tell people apart")
    for signal, weight in weights.items():
        report["signals"][signal]["weight"] = round(weight / sum(weights.values()), 3)
    return weights


def _nearest_other(pairs: _Pairs, count: int) -> np.ndarray:
    """Per appearance, its smallest distance among `pairs` (inf without one)."""
    best = np.full(count, np.inf)
    finite = np.isfinite(pairs.distance)
    for ends in (pairs.left, pairs.right):
        np.minimum.at(best, ends[finite], pairs.distance[finite])
    return best


def _partners(codes: np.ndarray, sessions: np.ndarray) -> np.ndarray:
    """Keys (low * n + high) of the pairs of codes (groups) that share a session: two people, whatever their
    fingerprints."""
    n = int(codes.max(initial=0)) + 1
    order, spans = members_by_code(sessions, int(sessions.max(initial=-1)) + 1)
    keys = []
    for start, size in spans[spans[:, 1] > 1]:
        ids = codes[order[start : start + size]]
        i, j = np.triu_indices(len(ids), 1)
        keys.append(np.minimum(ids[i], ids[j]) * n + np.maximum(ids[i], ids[j]))
    return np.unique(np.concatenate(keys)) if keys else np.empty(0, np.int64)


def compare(store: pd.DataFrame, settings: dict[str, Any], signals: tuple[str, ...] = SIGNALS) -> Comparison:
    appearances = aggregate(store, signals)
    table = appearances.table
    result = Comparison(
        appearances,
        report={
            "files": len(store),
            "appearances": len(table),
            "participant_ids": int(table["participant_id"].nunique()),
            "signals": {},
        },
    )
    if not len(table):
        result.report.update(calibrated=False, reason=NO_FINGERPRINT)
        return result
    space = _space(appearances, settings, result.report)
    if not space.points:
        result.report.update(calibrated=False, reason="no signal has enough recurring sessions to learn from")
        return result
    codes, ids = pd.factorize(table["participant_id"])
    sessions = pd.factorize(table["session_key"])[0]
    sites = table["site"].to_numpy()
    within = _Pairs(*within_id_pairs(codes), np.empty(0))
    cross = _Pairs(
        *cross_id_pairs(space, codes, sessions, settings["neighbour_ids"], settings["member_cap"]),
        np.empty(0),
    )
    try:
        space.weights = _weights(space, within, cross, settings, result.report)
        for pairs in (within, cross):
            pairs.distance = space.pairs(pairs.left, pairs.right)
        nearest = _nearest_other(cross, len(table))
        found = np.isfinite(nearest)
        calibration = calibrate(
            (within.distance, sites[within.left], sites[within.right]),
            (nearest[found], sites[found], sites[found]),
            settings,
        )
    except NotCalibrated as reason:
        result.report.update(calibrated=False, reason=str(reason))
        return result
    result.calibration = calibration
    result.report.update(calibrated=True, within_pairs=len(within.left), cross_pairs=len(cross.left))
    for pairs in (within, cross):
        pairs.p_same = calibration.p_same(pairs.distance, sites[pairs.left], sites[pairs.right])
    links = cross.subset(np.flatnonzero(cross.p_same >= LINK))
    _Decider(
        appearances, codes, sessions, np.asarray(ids), space, calibration, within, links, settings
    ).decide(result)
    return result


class _Decider:
    """Groups within ids, main groups, splits and merges, from the scored pairs."""

    def __init__(
        self,
        appearances: Appearances,
        codes: np.ndarray,
        sessions: np.ndarray,
        ids: np.ndarray,
        space: FusedSpace,
        calibration: Calibration,
        within: _Pairs,
        links: _Pairs,
        settings: dict[str, Any],
    ) -> None:
        self.sites, self.codes, self.ids, self.space = appearances.table["site"].to_numpy(), codes, ids, space
        self.calibration, self.within, self.cap = calibration, within, settings["member_cap"]
        n = len(codes)
        linked = within.subset(np.flatnonzero(within.p_same >= LINK))
        graph = sparse.coo_matrix((np.ones(len(linked.left)), (linked.left, linked.right)), shape=(n, n))
        count, self.groups = connected_components(graph, directed=False)
        self.order, self.spans = members_by_code(self.groups, count)
        # two groups that sat in one session are two people, however alike: no link between them counts
        groups = self.groups[links.left], self.groups[links.right]
        together = np.isin(
            np.minimum(*groups) * count + np.maximum(*groups), _partners(self.groups, sessions)
        )
        self.links = links = links.subset(np.flatnonzero(~together))
        summary = (
            pd.DataFrame({"group": self.groups, "id": codes, "session": appearances.table["session_key"]})
            .groupby("group")
            .agg(id=("id", "first"), size=("id", "size"), first=("session", "min"))
        )
        summary["links"] = np.bincount(
            self.groups[np.concatenate([links.left, links.right])], minlength=count
        )
        ranked = summary.sort_values(["id", "size", "links", "first"], ascending=[True, False, True, True])
        heads = ranked.groupby("id").head(1)
        self.main_of_id = np.empty(len(ids), dtype=np.int64)
        self.main_of_id[heads["id"].to_numpy()] = heads.index.to_numpy()
        self.is_main = np.zeros(count, dtype=bool)
        self.is_main[self.main_of_id] = True
        same = (self.groups[within.left] == self.groups[within.right]) & np.isfinite(within.distance)
        self.spread = pd.Series(within.distance[same]).groupby(self.groups[within.left[same]]).median()

    def members(self, group: int) -> np.ndarray:
        start, size = self.spans[group]
        return self.order[start : start + size]

    def decide(self, result: Comparison) -> None:
        result.splits = self._splits()
        result.merges = self._merges()

    def _splits(self) -> list[Split]:
        pairs = self.within
        main = self.main_of_id[self.codes[pairs.left]]
        left, right = self.groups[pairs.left], self.groups[pairs.right]
        minority = np.where(left == main, right, np.where(right == main, left, -1))
        across = np.flatnonzero((minority >= 0) & (left != right) & np.isfinite(pairs.distance))
        frame = pd.DataFrame(
            {"group": minority[across], "distance": pairs.distance[across], "p_same": pairs.p_same[across]}
        )
        matches = self._matches(frame["group"].unique())
        splits = []
        for group, rows in frame.groupby("group"):
            members = self.members(int(group))
            code = int(self.codes[members[0]])
            match, match_distance = matches.get(int(group), (None, None))
            splits.append(
                Split(
                    str(self.ids[code]),
                    tuple(members.tolist()),
                    tuple(self.members(int(self.main_of_id[code])).tolist()),
                    float(rows["distance"].min()),
                    float(rows["distance"].median()),
                    float(1.0 - rows["p_same"].max()),
                    match,
                    match_distance,
                )
            )
        return splits

    def _matches(self, groups: np.ndarray) -> dict[int, tuple[str, float]]:
        """For each of `groups`, the other id whose main group it links to most (then most closely)."""
        links = self.links
        ends = pd.DataFrame(
            {
                "group": self.groups[np.concatenate([links.left, links.right])],
                "other": np.concatenate([links.right, links.left]),
                "distance": np.concatenate([links.distance, links.distance]),
            }
        )
        ends = ends[ends["group"].isin(groups) & self.is_main[self.groups[ends["other"]]]]
        ends = ends.assign(id=self.codes[ends["other"]])
        ranked = (
            ends.groupby(["group", "id"])["distance"]
            .agg(["size", "median"])
            .reset_index()
            .sort_values(["group", "size", "median"], ascending=[True, False, True])
            .groupby("group")
            .head(1)
        )
        return {int(r.group): (str(self.ids[int(r.id)]), float(r.median)) for r in ranked.itertuples()}

    def _merges(self) -> list[Merge]:
        """Linked main groups whose sessions are, taken all together, as close as one person's; then each
        group of a cluster of such groups merges into the cluster's largest (a stray link cannot chain two
        people)."""
        left, right = self.groups[self.links.left], self.groups[self.links.right]
        both = self.is_main[left] & self.is_main[right]
        candidates = np.unique(
            np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1)[both], axis=0
        )
        scored = {(int(g), int(h)): self._closeness(int(g), int(h)) for g, h in candidates}
        edges = np.array(
            [pair for pair, found in scored.items() if found and found[2] >= LINK], dtype=np.int64
        )
        count = len(self.is_main)
        edges = edges.reshape(-1, 2)
        graph = sparse.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(count, count))
        clusters = connected_components(graph, directed=False)[1]
        grouped = np.unique(edges)
        frame = pd.DataFrame(
            {
                "group": grouped,
                "cluster": clusters[grouped],
                "size": self.spans[grouped, 1],
                "id": self.ids[self.codes[self.order[self.spans[grouped, 0]]]],
            }
        )
        merges = []
        for _, members in frame.sort_values(["cluster", "size", "id"], ascending=[True, False, True]).groupby(
            "cluster"
        ):
            target = int(members["group"].iloc[0])
            for group in members["group"].iloc[1:]:
                found = scored.get((min(group, target), max(group, target))) or self._closeness(
                    int(group), target
                )
                if found is not None:
                    merges.append(self._merge(int(group), target, *found))
        return merges

    def _closeness(self, group: int, other: int) -> tuple[float, float, float] | None:
        """(median distance, nearest distance, median p_same) over the pairs of sessions of two groups."""
        mine, theirs = self.members(group)[: self.cap], self.members(other)[: self.cap]
        left, right = np.repeat(mine, len(theirs)), np.tile(theirs, len(mine))
        distance = self.space.pairs(left, right)
        finite = np.isfinite(distance)
        if not finite.any():
            return None
        p_same = self.calibration.p_same(
            distance[finite], self.sites[left[finite]], self.sites[right[finite]]
        )
        return float(np.median(distance[finite])), float(distance[finite].min()), float(np.median(p_same))

    def _merge(self, group: int, target: int, median: float, nearest: float, p_same: float) -> Merge:
        mine, theirs = self.members(group), self.members(target)
        within = self.spread.get(target)
        return Merge(
            str(self.ids[self.codes[mine[0]]]),
            str(self.ids[self.codes[theirs[0]]]),
            tuple(mine.tolist()),
            tuple(theirs.tolist()),
            median,
            nearest,
            None if within is None else float(within),
            p_same,
        )
