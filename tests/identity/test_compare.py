"""The release-wide comparison on fingerprint rows drawn without audio: both id-error kinds found with the right
person, thresholds calibrated between one id's sessions and the nearest other ids, partners never merged."""

from __future__ import annotations

import numpy as np
import pytest

from siqa.config import RuleSet
from siqa.identity import store
from siqa.identity.compare import NO_FINGERPRINT, compare
from siqa.synth.fingerprints import draw_release


@pytest.fixture(scope="module")
def settings() -> dict:
    return RuleSet.load("default").signal("identity")


@pytest.fixture(scope="module")
def drawn():
    return draw_release(1600, people=60, error_share=0.15, seed=4)


@pytest.fixture(scope="module")
def comparison(drawn, settings):
    return compare(drawn.rows, settings)


def _found(comparison):
    table = comparison.appearances.table
    splits = {
        (table["session_key"][i], s.participant_id): s.match
        for s in comparison.splits
        for i in s.group
        if s.confidence >= 0.9
    }
    merges = {
        (table["session_key"][i], m.participant_id): m.into
        for m in comparison.merges
        for i in m.group
        if m.confidence >= 0.75
    }
    return splits, merges


def _truth(drawn, kind):
    return {
        (r["session_key"], r["details"]["written_id"]): r["details"]["person"]
        for r in drawn.truth
        if r["defect"] == kind
    }


def test_both_kinds_of_id_error_are_found_with_the_right_person(drawn, comparison):
    splits, merges = _found(comparison)
    assert _truth(drawn, "id_shared") and splits == _truth(drawn, "id_shared")
    assert _truth(drawn, "id_split") and merges == _truth(drawn, "id_split")
    assert comparison.report["signals"]["visual"]["method"] == "lda"


def test_the_threshold_lies_between_same_id_and_nearest_other_id_distances(drawn, settings, comparison):
    calibration = comparison.calibration
    model = calibration.release
    same, different = np.exp(model.same.mu), np.exp(model.different.mu)
    assert same < model.threshold < different
    assert model.p_same(np.array([model.threshold]))[0] == pytest.approx(0.5)
    assert model.p_same(np.array([same]))[0] > 0.9
    assert model.p_same(np.array([different]))[0] < 0.1
    assert {m.source for m in calibration.sites.values()} == {"site"}  # hundreds of pairs per site
    sparse = compare(drawn.rows, {**settings, "min_site_pairs": 10**6}).calibration
    assert {m.source for m in sparse.sites.values()} == {"release"}


def test_each_signal_alone_and_files_missing_a_signal_are_compared_on_what_they_have(drawn, settings):
    rows = drawn.rows.copy()
    rows.loc[rows.index % 2 == 0, "voice"] = None
    rows.loc[rows.index % 7 == 0, "voice_space"] = "another-backend"
    comparison = compare(rows, settings)
    assert comparison.report["signals"]["voice"]["files_left_out"] == int(
        ((rows.index % 7 == 0) & (rows.index % 2 == 1)).sum()
    )
    splits, merges = _found(comparison)
    assert splits == _truth(drawn, "id_shared") and merges == _truth(drawn, "id_split")
    visual = compare(drawn.rows, settings, signals=("visual",))
    assert set(visual.report["signals"]) == {"visual"} and _found(visual)[1] == _truth(drawn, "id_split")


def test_two_ids_that_sat_in_one_session_are_never_merged(settings):
    drawn = draw_release(800, people=30, error_share=0.0, seed=5)
    rows = drawn.rows.copy()
    session = rows["session_key"].iloc[0]
    partners = rows.loc[rows["session_key"] == session, "participant_id"].unique()
    # the second partner gets the first partner's fingerprints everywhere: identical people, but never one person
    source = rows[rows["participant_id"] == partners[0]].iloc[0]
    twin = rows["participant_id"] == partners[1]
    rows.loc[twin, "voice"] = rows.loc[twin, "voice"].map(lambda _: source["voice"])
    rows.loc[twin, "visual"] = rows.loc[twin, "visual"].map(lambda _: source["visual"])
    comparison = compare(rows, settings)
    assert not any({m.participant_id, m.into} == set(partners) for m in comparison.merges)


def test_a_release_without_recurring_people_is_not_calibrated(settings):
    rows = draw_release(200, people=400, error_share=0.0, seed=6).rows
    rows = rows.drop_duplicates(
        "session_key"
    )  # one file per session: nobody recurs with any signal to learn from
    rows["participant_id"] = [f"P{9000 + i}" for i in range(len(rows))]
    comparison = compare(rows, settings)
    assert (
        comparison.calibration is None and not comparison.report["calibrated"] and comparison.report["reason"]
    )
    assert comparison.splits == [] and comparison.merges == []


def test_an_empty_store_is_an_empty_comparison_with_its_reason(settings):
    comparison = compare(store.frame([]), settings)
    assert len(comparison.appearances) == 0 and comparison.calibration is None
    assert comparison.report["appearances"] == 0 and comparison.report["reason"] == NO_FINGERPRINT
    assert comparison.splits == [] and comparison.merges == []
