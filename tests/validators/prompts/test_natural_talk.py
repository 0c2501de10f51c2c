"""PR001 on talk in its own words (at most a fifth of its content words are its prompt's): clean interactions are
not flagged, and a prompt copied from another interaction is found, with the prompt that fits better."""

from __future__ import annotations

import pytest

from tests.validators.prompts.talk import PROMPTS, audit, metrics, norm_of, plan_batch, prompt_share


@pytest.fixture(scope="module")
def mismatched(tmp_path_factory):
    """Five sessions of four interactions; one records the prompt of a scenario its session does not talk about."""
    plans = plan_batch(5, 4, 12, seed=3)
    wrong = plans[0][1]
    wrong.recorded = next(t for t in range(len(PROMPTS)) if t not in {p.spoken for p in plans[0]})
    findings, out_dir = audit(tmp_path_factory.mktemp("natural_prompts"), plans, ["PR"])
    return plans, wrong, findings, out_dir


def test_the_talk_says_little_of_its_prompt(mismatched):
    plans, *_ = mismatched
    assert max(prompt_share(p) for session in plans for p in session) <= 0.2


def test_only_the_mismatched_prompt_is_found_with_the_prompt_that_fits(mismatched):
    plans, wrong, findings, out_dir = mismatched
    assert [(f.code, f.interaction_key) for f in findings] == [("PR001", wrong.key)]
    evidence = findings[0].evidence
    assert evidence["margin"] < 0 and evidence["prompt"] == PROMPTS[wrong.recorded]
    assert evidence["best_other"]["prompt"] == PROMPTS[wrong.spoken]
    carriers = {p.key for session in plans for p in session if p.recorded == wrong.spoken}
    assert carriers and set(evidence["best_other"]["interaction_keys"]) <= carriers
    norm = norm_of(out_dir, "PR001")
    assert norm["units"] == 20 and evidence["norm"]["deviation"] > evidence["norm"]["threshold"]


def test_clean_talk_is_measured_and_not_flagged(tmp_path):
    """Every clean interaction's margin is in the distribution, and none is reported."""
    plans = plan_batch(5, 4, 12, seed=4)
    findings, out_dir = audit(tmp_path, plans, ["PR"])
    assert findings == []
    margins = [r["value"] for r in metrics(out_dir) if r["code"] == "PR001" and r["metric"] == "margin"]
    assert len(margins) == 20
