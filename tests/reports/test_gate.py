"""The gate's judgement: fingerprints across releases, new errors, rates, site scores, policy layers and
errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from siqa.finding_fingerprints import unmatched
from siqa.findings import Severity
from siqa.reports.gate import PolicyError, fingerprint, load_policy, run_gate
from tests.reports.conftest import BATCH, finding, write_folder

POLICY = load_policy()  # rules/gate.toml


def flagged(family_code: str, numbers: range, site: str = "V00") -> list:
    return [finding(family_code, key=f"{site}_S0001_I{n:08d}", site=site) for n in numbers]


def release(folder: Path, *findings_lists: list, interactions: int = 100, site: str = "V00") -> Path:
    findings = [f for items in findings_lists for f in items]
    return write_folder(folder, findings, units={(site, BATCH): interactions})


ERROR = finding("IN014", Severity.ERROR, key="V00_S0001_I00000001", participant="P0001", span=(0.0, 6.0))


@pytest.fixture
def baseline(tmp_path) -> Path:
    return release(tmp_path / "before", [ERROR], flagged("BL001", range(10, 15)))


def test_a_fingerprint_survives_span_jitter_but_not_another_unit_code_or_place():
    base = fingerprint(ERROR, 0.5)
    moved = finding("IN014", Severity.ERROR, key="V00_S0001_I00000001", participant="P0001", span=(0.1, 5.9))
    assert fingerprint(moved, 0.5) == base
    assert fingerprint(finding("IN013", Severity.ERROR, participant="P0001", span=(0.0, 6.0)), 0.5) != base
    assert fingerprint(finding("IN014", Severity.ERROR, participant="P0002", span=(0.0, 6.0)), 0.5) != base
    assert fingerprint(finding("IN014", Severity.ERROR, participant="P0001", span=(3.0, 6.0)), 0.5) != base


def test_findings_match_as_a_multiset_not_by_position():
    a, b = finding("BL001", key="V00_S0001_I00000001"), finding("BL001", key="V00_S0001_I00000002")
    previous = Counter(fingerprint(f, 0.5) for f in [b, a])
    assert unmatched([a, b, a], previous, 0.5) == [a]


def test_the_same_findings_reordered_with_jittered_spans_pass(tmp_path, baseline):
    moved = finding("IN014", Severity.ERROR, key="V00_S0001_I00000001", participant="P0001", span=(0.1, 5.9))
    current = release(tmp_path / "now", flagged("BL001", range(14, 9, -1)), [moved])
    result = run_gate(current, baseline, POLICY)
    assert result.passed and result.new == []
    assert {c.kind for c in result.checks if c.passed} == {"new errors", "rate", "score"}


def test_a_new_error_fails_and_names_the_finding(tmp_path, baseline):
    new = finding("IN014", Severity.ERROR, key="V00_S0001_I00000002", participant="P0001")
    current = release(tmp_path / "now", [ERROR, new], flagged("BL001", range(10, 15)))
    result = run_gate(current, baseline, POLICY)
    (breach,) = result.breaches
    assert (breach.kind, breach.site, breach.family, breach.findings) == ("new errors", "V00", "IN", (new,))


@pytest.mark.parametrize("bleed, breached", [(range(10, 17), set()), (range(10, 20), {"rate", "score"})])
def test_a_rate_may_rise_within_its_allowance_and_no_more(tmp_path, baseline, bleed, breached):
    """BL may rise by 3 points (rules/gate.toml), a score fall by 2: 5% -> 7% passes, 5% -> 10% fails."""
    current = release(tmp_path / "now", [ERROR], flagged("BL001", bleed))
    result = run_gate(current, baseline, POLICY)
    assert {c.kind for c in result.breaches} == breached
    rate = next(c for c in result.checks if (c.kind, c.family) == ("rate", "BL"))
    assert (rate.baseline, rate.current) == (pytest.approx(0.05), pytest.approx(len(bleed) / 100))


def test_a_site_that_got_worse_fails_even_when_every_family_stays_within_its_allowance(tmp_path, baseline):
    current = release(tmp_path / "now", [ERROR], flagged("BL001", range(10, 17)),
                      flagged("TS003", range(20, 22)), flagged("RQ001", range(30, 32)))
    result = run_gate(current, baseline, POLICY)
    assert [(c.kind, c.site) for c in result.breaches] == [("score", "V00")]
    assert "94.0 → 88.0" in result.breaches[0].message


def test_site_and_family_overrides_raise_the_allowances(tmp_path, baseline):
    policy_file = tmp_path / "gate.toml"
    policy_file.write_text("[defaults]\nscore_drop = 2.0\n[sites.V00]\nscore_drop = 10.0\n"
                           "[sites.V00.families.BL]\nrate_increase = 0.1\n")
    current = release(tmp_path / "now", [ERROR], flagged("BL001", range(10, 20)))
    assert run_gate(current, baseline, load_policy(policy_file)).passed
    assert not run_gate(current, baseline, POLICY).passed


def test_without_a_baseline_every_error_is_new_and_ceilings_still_hold(tmp_path):
    crashed = finding("SQ001", Severity.ERROR, key="V00_S0001_I00000003", participant="P0001")
    result = run_gate(release(tmp_path / "now", [ERROR, crashed]), None, POLICY)
    assert sorted((c.kind, c.family) for c in result.breaches) == [("new errors", "IN"), ("new errors", "SQ"),
                                                                    ("rate", "SQ")]
    assert "No baseline" in result.notes[0]


def test_small_sites_are_not_judged_on_rates_or_scores(tmp_path):
    before = release(tmp_path / "before", flagged("BL001", range(1), site="V01"), interactions=5, site="V01")
    now = release(tmp_path / "now", flagged("BL001", range(5), site="V01"), interactions=5, site="V01")
    result = run_gate(now, before, POLICY)
    assert result.passed
    assert {c.kind: c.passed for c in result.checks} == {"rate": None, "score": None}
    assert "fewer than the 20 needed" in result.checks[0].message


def test_the_default_policy_layers_families_over_defaults():
    assert POLICY.allowance("V00", "BL").rate_increase == 0.03
    assert POLICY.allowance("V00", "IN").rate_increase == 0.02
    assert POLICY.allowance("V00", "SQ").max_rate == 0.0
    assert POLICY.allowance("V00").score_drop == 2.0 and POLICY.span_seconds == 0.5


@pytest.mark.parametrize("text, complaint", [
    ("[defaults]\nrate_increse = 0.1\n", "rate_increse"),
    ("[families.BL]\nscore_drop = 1.0\n", "score_drop"),
    ("[defaults]\nnew_errors = 1.5\n", "whole number"),
    ("[defaults]\nrate_increase = 5\n", "fraction"),
    ("[defaults]\nscore_drop = -1\n", "non-negative"),
    ("[defaults]\nscore_drop = \"2\"\n", "non-negative"),
    ("[sites.V01.families]\nBL = 3\n", "must be a table"),
    ("[fingerprint]\nspan_seconds = 0\n", "positive"),
    ("defaults = [", "cannot read"),
])
def test_a_bad_policy_is_refused_with_what_is_wrong(tmp_path, text, complaint):
    path = tmp_path / "gate.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=complaint):
        load_policy(path)
