"""Which pairs are compared: every pair within an id, each session against its nearest ids' sessions (never its
own session's partner), in blocks; and the calibrated thresholds those pairs give."""

from __future__ import annotations

import numpy as np
import pytest

from siqa.identity.calibrate import Calibration, Fit, NotCalibrated, SiteModel, calibrate
from siqa.identity.distances import FusedSpace
from siqa.identity.neighbours import cross_id_pairs, members_by_code, within_id_pairs

SETTINGS = {"min_pairs": 20, "min_site_pairs": 50}


def test_within_id_pairs_are_every_pair_of_each_ids_sessions():
    left, right = within_id_pairs(np.array([0, 1, 0, 2, 0, 1]))
    assert sorted(zip(left.tolist(), right.tolist())) == [(0, 2), (0, 4), (1, 5), (2, 4)]


def test_members_are_capped_evenly_across_an_id():
    order, spans = members_by_code(np.array([0] * 10 + [1] * 3), 2, cap=5)
    start, size = spans[0]
    assert size == 5 and order[start : start + size].tolist() == [0, 2, 4, 6, 8]
    assert spans[1].tolist() == [5, 3]


def test_each_session_meets_its_nearest_ids_but_never_its_own_sessions_partner():
    rng = np.random.default_rng(0)
    people = rng.normal(0, 10, (30, 4))
    codes = np.repeat(np.arange(30), 4)
    points = (people[codes] + rng.normal(0, 1, (120, 4))).astype(np.float32)
    sessions = np.arange(120) // 2  # consecutive appearances share a session
    space = FusedSpace({"visual": points})
    left, right = cross_id_pairs(space, codes, sessions, k=2, member_cap=50)
    assert len(left) and (codes[left] != codes[right]).all() and (sessions[left] != sessions[right]).all()
    assert (left < right).all() and len(set(zip(left.tolist(), right.tolist()))) == len(left)
    nearest_other = min((np.linalg.norm(people[0] - people[c]), c) for c in range(1, 30))[1]
    assert nearest_other in set(codes[right[left == 0]]) | set(codes[left[right == 0]])


def test_fused_distances_average_the_signals_both_sides_have():
    voice = np.array([[0.0, 0.0], [3.0, 4.0], [np.nan, np.nan]], dtype=np.float32)
    visual = np.array([[0.0], [1.0], [2.0]], dtype=np.float32)
    space = FusedSpace({"voice": voice, "visual": visual})
    distances = space.pairs(np.array([0, 0, 1]), np.array([1, 2, 2]))
    np.testing.assert_allclose(distances, [np.sqrt((25 + 1) / 2), 2.0, 1.0])
    assert np.isnan(FusedSpace({"voice": voice}).pairs(np.array([0]), np.array([2])))[0]


def test_calibration_separates_the_fits_per_site_and_refuses_too_few_pairs():
    rng = np.random.default_rng(1)
    same, different = np.exp(rng.normal(0, 0.1, 400)), np.exp(rng.normal(0.7, 0.1, 200))
    sites = np.array(["V00", "V01"] * 200)
    calibration = calibrate((same, sites, sites), (different, sites[:200], sites[:200]), SETTINGS)
    assert isinstance(calibration, Calibration) and set(calibration.sites) == {"V00", "V01"}
    assert 1.0 < calibration.release.threshold < np.exp(0.7)
    p = calibration.p_same(
        np.array([1.0, calibration.model("V00").threshold, 2.0]), np.array(["V00"] * 3), np.array(["V01"] * 3)
    )
    assert p[0] > 0.99 and p[2] < 0.01 and 0.2 < p[1] < 0.8
    with pytest.raises(NotCalibrated, match="too few"):
        calibrate((same[:5], sites[:5], sites[:5]), (different, sites[:200], sites[:200]), SETTINGS)


def test_p_same_falls_with_distance_even_with_unequal_spreads():
    model = SiteModel(Fit(0.0, 0.05, 100), Fit(0.5, 0.3, 100), "release")
    p = model.p_same(np.exp(np.linspace(-1, 2, 200)))
    assert (np.diff(p) <= 1e-12).all() and p[0] > 0.99 and p[-1] < 0.01
