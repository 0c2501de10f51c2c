"""The second pass: candidates judged against their site's (or batch's) distribution of the same measure."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from siqa.config import RuleSettings
from siqa.findings import Finding, Scope, Severity
from siqa.norms import Candidate, judge, robust

BATCH = "improvised/dev/0000"


def settings(**values) -> RuleSettings:
    base = {"tolerance": 3.5, "min_effect": 6.0, "min_units": 10}
    return RuleSettings("RQ006", {**base, **values}, Severity.WARNING, "test")


def candidate(site: str, n: int, value: float, side: str = "both") -> Candidate:
    file_id = f"{site}_S0001_I{n:08d}_P0001"
    finding = Finding("RQ006", Severity.WARNING, 1.0, Scope.FILE, site, f"{file_id}.wav: speech at {value:.1f} dBFS",
                      file_id=file_id, batch=BATCH)
    return Candidate(finding, "speech_dbfs", value, side, "speech level", "dB")


def metric(c: Candidate) -> dict:
    f = c.finding
    return {"code": f.code, "metric": c.metric, "value": c.value, "site": f.site, "batch": BATCH, "scope": "file",
            "unit": f.file_id}


def site_levels(site: str, values: list[float], side: str = "both") -> list[Candidate]:
    return [candidate(site, i, v, side) for i, v in enumerate(values)]


def run(candidates: list[Candidate], **values):
    return judge(candidates, [metric(c) for c in candidates], lambda code, site: settings(**values))


def test_an_outlier_of_its_own_site_is_reported_with_the_norm_it_was_compared_with():
    rng = np.random.default_rng(0)
    quiet_site = site_levels("V01", list(-38 + rng.normal(0, 2, 30)) + [-60.0])
    verdict = run(quiet_site)
    assert [f.file_id for f in verdict.findings] == [quiet_site[-1].finding.file_id]
    finding = verdict.findings[0]
    norm = finding.evidence["norm"]
    assert norm["basis"] == "site" and norm["units"] == 31
    assert norm["median"] == pytest.approx(-38, abs=1.5)
    assert "below V01's median speech level" in finding.message
    assert norm["robust_z"] > 3.5 and 0.5 <= finding.confidence <= 1.0


def test_a_site_recorded_quietly_is_its_own_norm_not_an_outlier_of_a_constant():
    rng = np.random.default_rng(1)
    levels = site_levels("V01", list(-40 + rng.normal(0, 2, 20))) + site_levels("V02", list(-18 + rng.normal(0, 2, 20)))
    assert run(levels).findings == []


def test_the_effect_floor_keeps_a_tight_site_from_flagging_small_deviations():
    tight = site_levels("V00", [-20.0] * 20 + [-23.0])  # MAD 0: any deviation is infinitely many spreads
    assert run(tight).findings == []
    assert len(run(tight, min_effect=2.0).findings) == 1


def test_side_low_ignores_outliers_on_the_good_side():
    snr = site_levels("V00", [30.0 + i * 0.1 for i in range(20)] + [60.0, 5.0], side="low")
    flagged = run(snr).findings
    assert [f.evidence["norm"]["value"] for f in flagged] == [5.0]


def test_a_small_site_is_judged_against_the_batch():
    rng = np.random.default_rng(2)
    levels = site_levels("V00", list(-25 + rng.normal(0, 2, 20))) + site_levels("V03", [-25.0, -24.0, -45.0])
    verdict = run(levels)
    assert [f.site for f in verdict.findings] == ["V03"]
    assert verdict.findings[0].evidence["norm"]["basis"] == "batch"
    assert "improvised/dev/0000's median" in verdict.findings[0].message


def test_too_few_units_fall_back_to_absolute_limits_stated_in_the_message():
    few = site_levels("V00", [-25.0, -24.0, -55.0])
    verdict = run(few, fallback_low=-50.0, fallback_high=-6.0)
    assert [f.evidence["norm"]["value"] for f in verdict.findings] == [-55.0]
    assert verdict.findings[0].evidence["norm"]["basis"] == "fallback"
    assert "absolute limit" in verdict.findings[0].message and not verdict.skips


def test_too_few_units_without_a_fallback_are_skipped_with_the_reason():
    few = site_levels("V00", [-25.0, -24.0, -55.0])
    verdict = run(few)
    assert verdict.findings == []
    assert len(verdict.skips) == 3
    assert {s["code"] for s in verdict.skips} == {"RQ006"}
    assert "10 needed" in verdict.skips[0]["reason"]


def test_verdicts_do_not_depend_on_unit_order():
    rng = np.random.default_rng(3)
    levels = site_levels("V01", list(-30 + rng.normal(0, 3, 40)) + [-5.0, -70.0])
    first = run(levels)
    shuffled = levels[:]
    random.Random(4).shuffle(shuffled)
    second = run(shuffled)
    assert [f.to_json() for f in first.findings] == [f.to_json() for f in second.findings]
    assert [n.to_dict() for n in first.norms] == [n.to_dict() for n in second.norms]


def test_a_candidate_round_trips_through_json_as_the_cache_stores_it():
    c = candidate("V00", 1, -31.5)
    again = Candidate.from_dict(json.loads(json.dumps(c.to_dict())))
    assert again == c


def test_judging_against_a_reference_measure():
    """TR001's way: a file's value against the distribution of another measure (the calibration sample's)."""
    rng = np.random.default_rng(5)
    floor = [{"code": "RQ006", "metric": "floor", "value": float(v), "site": "V00", "batch": BATCH, "scope": "file",
              "unit": str(i)} for i, v in enumerate(0.3 + rng.normal(0, 0.03, 20))]
    files = [Candidate(candidate("V00", i, v).finding, "wer", v, "high", "WER", reference="floor")
             for i, v in enumerate([0.32, 0.9])]
    verdict = judge(files, floor, lambda code, site: settings(min_effect=0.2))
    assert [f.evidence["norm"]["value"] for f in verdict.findings] == [0.9]


def test_robust_statistics_resist_the_defects_among_the_values():
    clean = np.random.default_rng(6).normal(0, 1, 200)
    median, spread = robust(np.concatenate([clean, np.full(20, 50.0)]))
    assert abs(median) < 0.3 and 0.8 < spread < 1.4


def test_a_one_sided_spread_is_measured_on_the_clean_side_so_many_defects_do_not_hide_each_other():
    rng = np.random.default_rng(7)
    values = np.concatenate([30 + rng.normal(0, 2, 70), 12 + rng.normal(0, 1, 30)])  # 30% of the channels noisy
    flagged = run(site_levels("V02", list(values), side="low")).findings
    assert len(flagged) == 30 and all(f.evidence["norm"]["value"] < 16 for f in flagged)
    (_, clean_half), (_, both) = robust(values, "low"), robust(values)
    assert abs(clean_half - 2.0) < 0.5 and both > clean_half + 0.4  # the defects widen the two-sided spread
