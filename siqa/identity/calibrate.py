"""Thresholds learnt from the release itself, per site: how far apart one id's sessions are, and how close the
nearest other id comes.

Two samples of fused distances, each fitted as a log-normal with robust statistics (median and one-sided MAD of
the log distance, so the id errors inside each sample barely move the fit; the different-id sample, which a
single error can fill with one person's sessions, as a mixture with the same-id fit, `Fit.beside`):
- same id: every pair of sessions of one id (mostly one person; the errors are what the rules look for);
- different ids: for each appearance, its nearest appearance of another id from another session (mostly the
  most similar other person, the hardest case a threshold must separate).
`p_same` turns a distance into the probability that it joins two sessions of one person (the likelihood ratio
of the two fits, even odds), and the threshold is where it is 0.5. A site with too few pairs uses
the release-wide fit; the calibration report says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit
from scipy.stats import norm

MAD_TO_SIGMA = 1.4826
MIN_SIGMA = 0.02  # log units: a floor for the spread of a fit of near-identical distances
MIXTURE_ROUNDS = 50


class NotCalibrated(Exception):
    """Too few recurring ids (or too little separation) to learn what one person looks like."""


@dataclass(frozen=True)
class Fit:
    mu: float  # median log distance
    sigma: float
    count: int

    @classmethod
    def of(cls, distances: np.ndarray, clean_side: str, weights: np.ndarray | None = None) -> Fit:
        """Median and spread of the log distances, the spread measured on the `clean_side` ("lower" or
        "upper") of the median: the id errors sit on the other side (far same-id pairs, near different-id
        pairs), and in a small release they are many enough to inflate a two-sided spread. `weights` (one per
        finite distance) make both the median and the spread weighted."""
        logs = _logs(distances)
        if not len(logs):
            return cls(0.0, MIN_SIGMA, 0)
        weights = np.ones(len(logs)) if weights is None else weights
        mu = _weighted_median(logs, weights)
        side = logs <= mu if clean_side == "lower" else logs >= mu
        spread = _weighted_median(np.abs(logs[side] - mu), weights[side])
        return cls(mu, max(MIN_SIGMA, MAD_TO_SIGMA * spread), len(logs))

    @classmethod
    def beside(cls, distances: np.ndarray, known: Fit) -> Fit:
        """The different-id fit when part of the sample is one person after all. A person recorded once under
        another id has that session as every one of their sessions' nearest other id, so one error puts all
        of a person's sessions into the wrong sample, and where people recur often (or a small release) that
        is most of it. The sample is a mixture of `known` (the same-id fit, held fixed) and its own
        log-normal: expectation-maximisation weighs each distance by how likely it is its own, from a start on
        the distances beyond `known`'s bulk, and the weighted median and upper spread are the fit."""
        logs = _logs(distances)
        own = (logs > known.mu + 2 * known.sigma).astype(float)
        if own.sum() < 3 or own.all():
            return cls.of(distances, "upper")
        fit = cls.of(distances, "upper", own)
        for _ in range(MIXTURE_ROUNDS):
            share = own.mean()
            mine = share * norm.pdf(logs, fit.mu, fit.sigma)
            other = (1 - share) * norm.pdf(logs, known.mu, known.sigma)
            own = mine / np.maximum(mine + other, 1e-300)
            refit = cls.of(distances, "upper", own)
            if abs(refit.mu - fit.mu) < 1e-4 and abs(refit.sigma - fit.sigma) < 1e-4:
                return refit
            fit = refit
        return fit


def fits(same: np.ndarray, different: np.ndarray) -> tuple[Fit, Fit]:
    """The same-id and different-id fits of two samples of distances."""
    known = Fit.of(same, "lower")
    return known, Fit.beside(different, known)


def _logs(distances: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(distances[np.isfinite(distances)], 1e-6))


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    if not len(values) or weights.sum() <= 0:
        return 0.0
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


@dataclass(frozen=True)
class SiteModel:
    same: Fit
    different: Fit
    source: str  # "site" (its own pairs) or "release" (too few of its own)

    def log_ratio(self, logs: np.ndarray) -> np.ndarray:
        """Log likelihood ratio, one person against two, of log distances under the two fits. Each fit's tail
        is flattened on the side facing the other (nearer than a typical same-id pair is no less the same
        person), which keeps the ratio decreasing with the distance."""
        same = np.maximum(logs - self.same.mu, 0.0) / self.same.sigma
        different = np.maximum(self.different.mu - logs, 0.0) / self.different.sigma
        return 0.5 * (different**2 - same**2) + np.log(self.different.sigma / self.same.sigma)

    @property
    def threshold(self) -> float:
        """The distance where one person and two are equally likely (p_same = 0.5)."""
        low = min(self.same.mu, self.different.mu) - 20 * self.same.sigma
        high = max(self.same.mu, self.different.mu) + 20 * self.different.sigma
        return float(np.exp(brentq(lambda x: float(self.log_ratio(np.array([x]))[0]), low, high)))

    def p_same(self, distances: np.ndarray) -> np.ndarray:
        return expit(self.log_ratio(np.log(np.maximum(distances, 1e-6))))

    @property
    def separation(self) -> float:
        """d': how many pooled spreads apart the two fits' medians are."""
        s, d = self.same, self.different
        return float((d.mu - s.mu) / np.sqrt((s.sigma**2 + d.sigma**2) / 2))

    def describe(self) -> dict[str, Any]:
        log_t = np.log(self.threshold)
        s, d = self.same, self.different
        return {
            "source": self.source,
            "threshold": round(self.threshold, 4),
            "same_id": {
                "pairs": s.count,
                "median": round(float(np.exp(s.mu)), 4),
                "log_sigma": round(s.sigma, 4),
            },
            "different_id": {
                "pairs": d.count,
                "median": round(float(np.exp(d.mu)), 4),
                "log_sigma": round(d.sigma, 4),
            },
            "d_prime": round(self.separation, 2),
            "expected_same_beyond": float(f"{norm.sf((log_t - s.mu) / s.sigma):.3g}"),
            "expected_different_within": float(f"{norm.cdf((log_t - d.mu) / d.sigma):.3g}"),
        }


@dataclass
class Calibration:
    release: SiteModel
    sites: dict[str, SiteModel] = field(default_factory=dict)

    def model(self, site: str) -> SiteModel:
        return self.sites.get(site, self.release)

    def p_same(self, distances: np.ndarray, site_a: np.ndarray, site_b: np.ndarray) -> np.ndarray:
        """Per pair, the mean of both ends' site models (a person may be recorded at two sites)."""
        out = np.zeros(len(distances))
        codes, sites = pd.factorize(np.concatenate([site_a, site_b]))
        for code, site in enumerate(sites):
            model = self.model(str(site))
            for ends in (codes[: len(distances)], codes[len(distances) :]):
                rows = ends == code
                out[rows] += model.p_same(distances[rows]) / 2
        out[~np.isfinite(distances)] = np.nan
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "release": self.release.describe(),
            "sites": {s: m.describe() for s, m in sorted(self.sites.items())},
        }


def _by_site(distances: np.ndarray, site_a: np.ndarray, site_b: np.ndarray) -> dict[str, np.ndarray]:
    """Each pair's distance under both of its ends' sites (once when both ends share the site)."""
    codes, sites = pd.factorize(np.concatenate([site_a, site_b[site_b != site_a]]))
    values = np.concatenate([distances, distances[site_b != site_a]])
    return {str(site): values[codes == code] for code, site in enumerate(sites)}


def calibrate(
    same: tuple[np.ndarray, np.ndarray, np.ndarray],
    different: tuple[np.ndarray, np.ndarray, np.ndarray],
    settings: dict[str, Any],
) -> Calibration:
    """`same` and `different` are (distances, site of one end, site of the other end)."""
    release = SiteModel(*fits(same[0], different[0]), "release")
    if min(release.same.count, release.different.count) < settings["min_pairs"]:
        raise NotCalibrated(
            f"{release.same.count} same-id and {release.different.count} different-id pairs "
            f"(at least {settings['min_pairs']} of each needed: too few recurring participants)"
        )
    if release.different.mu <= release.same.mu:
        raise NotCalibrated(
            "one id's sessions are no closer than different ids: the fingerprints do not "
            "separate people in this release"
        )
    calibration = Calibration(release)
    same_sites, different_sites = _by_site(*same), _by_site(*different)
    for site in sorted(set(same_sites) | set(different_sites)):
        site_fits = fits(same_sites.get(site, np.empty(0)), different_sites.get(site, np.empty(0)))
        enough = min(f.count for f in site_fits) >= settings["min_site_pairs"] and site_fits[1].mu > site_fits[0].mu
        calibration.sites[site] = (
            SiteModel(*site_fits, "site") if enough else SiteModel(release.same, release.different, "release")
        )
    return calibration
