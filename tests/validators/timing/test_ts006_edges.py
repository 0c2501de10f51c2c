"""TS006 on talk in its own words (few of the prompt's words): talk of the neighbouring interaction at an edge is
found, by the prompt profiles the batch teaches, with a trimmed boundary that keeps the interaction's own talk;
clean edges are not flagged, and a trim never exceeds its share."""

from __future__ import annotations

import pytest

from siqa.config import RuleSet
from siqa.findings import Severity
from tests.validators.prompts.talk import (
    PAUSE_SECONDS,
    PROMPTS,
    SENTENCE_SECONDS,
    audit,
    norm_of,
    plan_batch,
    prompt_share,
)

TURN = SENTENCE_SECONDS + PAUSE_SECONDS


@pytest.fixture(scope="module")
def leaked(tmp_path_factory):
    """Five sessions of four interactions: one starts with three lines of the previous interaction's talk, one
    ends with three of the next one's, one starts with seven of the previous one's (beyond the trim share)."""
    plans = plan_batch(5, 4, 12, seed=5)
    early, late, long = plans[1][2], plans[2][1], plans[3][1]
    early.turns = [plans[1][1].spoken] * 3 + early.turns
    late.turns = late.turns + [plans[2][2].spoken] * 3
    long.turns = [plans[3][0].spoken] * 7 + long.turns
    findings, out_dir = audit(tmp_path_factory.mktemp("natural_edges"), plans, ["TS006"])
    return plans, (early, late, long), {(f.interaction_key, f.evidence["edge"]): f for f in findings}, out_dir


def test_only_the_leaked_edges_are_found(leaked):
    plans, (early, late, long), found, out_dir = leaked
    assert max(prompt_share(p) for session in plans for p in session) <= 0.2  # natural talk: few prompt words
    assert set(found) == {(early.key, "start"), (late.key, "end"), (long.key, "start")}
    assert norm_of(out_dir, "TS006")["units"] >= 36  # every judged edge is in the norm, flagged or not


def test_the_edge_fits_its_neighbours_prompt_and_the_trim_keeps_the_own_talk(leaked):
    plans, (early, late, _), found, _ = leaked
    start, end = found[early.key, "start"], found[late.key, "end"]
    assert start.evidence["neighbour"] == plans[1][1].key and end.evidence["neighbour"] == plans[2][2].key
    assert start.evidence["other_prompt"] == PROMPTS[plans[1][1].recorded]
    assert end.evidence["other_prompt"] == PROMPTS[plans[2][2].recorded]
    for finding in (start, end):
        assert finding.evidence["similarity_other"] > finding.evidence["similarity_own"] + 0.2
        assert finding.fix.applicability.value == "unsafe"
        assert finding.fix.target == f"interactions.csv#{finding.interaction_key}"
    keep = RuleSet.load("default").settings("TS006", Severity.WARNING).get("keep_seconds")
    first_own = PAUSE_SECONDS + 3 * TURN  # where the early interaction's own talk starts
    assert first_own - keep - 0.01 <= start.evidence["proposed_start"] < first_own
    last_own = PAUSE_SECONDS + 12 * TURN - PAUSE_SECONDS  # where the late interaction's own talk ends
    assert last_own < end.evidence["proposed_end"] <= last_own + keep + 0.01


def test_a_trim_never_exceeds_its_share_of_the_interaction(leaked):
    _, (_, _, long), found, _ = leaked
    finding = found[long.key, "start"]
    duration = len(long.turns) * TURN  # its talk ends a pause before that
    assert finding.evidence["proposed_start"] <= 0.25 * duration
    # some of the long leak remains: a person decides
    assert finding.evidence["proposed_start"] < PAUSE_SECONDS + 7 * TURN
