"""The prompt rules' batch pass on records of hand-built natural talk: a prompt's profile never holds the talk
it is judged against, and the pass gives the same outputs whatever order the records come in."""

from __future__ import annotations

import random

from siqa.batch_pass import PassInput
from siqa.config import RuleSet
from siqa.context import BatchInfo
from siqa.findings import Finding, Severity
from siqa.norms import Candidate
from siqa.validators.prompts.matching import prompt_fit
from siqa.validators.prompts.pr001_prompt_mismatch import judge_margins
from siqa.validators.prompts.pr002_prompt_off_by_one import find_shifts
from tests.validators.prompts.talk import LABEL, PROMPTS, plan_batch, records

UNIQUE = "Paint the garden shed blue. Bring up the ladder, the brushes and the weather."


def test_an_interactions_own_talk_never_explains_it():
    """A prompt carried once has only its text (which shares no word with the talk); the same talk carried by
    an interaction of another session does describe it."""
    batch = records(plan_batch(5, 4, 12, seed=3))
    alone = batch[0] = {**batch[0], "prompt": UNIQUE}
    fit = prompt_fit(batch)
    i, column = fit.records.index(alone), fit.prompts.index(UNIQUE)
    assert fit.profile_sizes[i, column] == 0 and fit.similarity[i, column] == 0.0
    twin = {**alone, "session_key": "V09_S0099", "interaction_key": "V09_S0099_I00000099"}
    fit = prompt_fit([*batch, twin])
    i = fit.records.index(alone)
    assert fit.profile_sizes[i, column] == 1 and fit.similarity[i, column] > 0.9


def run(code: str, batch: list[dict]) -> list:
    ruleset = RuleSet.load("default")
    given = PassInput(code, batch, BatchInfo(LABEL, "dev", "0000"),
                      lambda site: ruleset.settings(code, Severity.WARNING, site=site, label=LABEL))
    return list({"PR001": judge_margins, "PR002": find_shifts}[code](given))


def test_the_pass_is_the_same_whatever_order_the_records_come_in():
    plans = plan_batch(6, 4, 12, seed=5)
    wrong, shifted = plans[0][1], plans[2]
    wrong.recorded = next(t for t in range(len(PROMPTS)) if t not in {p.spoken for p in plans[0]})
    for planned, previous in zip(shifted, shifted[-1:] + shifted[:-1]):
        planned.recorded = previous.spoken  # each interaction carries the previous one's prompt
    batch = records(plans)
    shuffled = random.Random(1).sample(batch, len(batch))
    for code in ("PR001", "PR002"):
        assert run(code, batch) == run(code, shuffled) == run(code, batch[::-1])
    candidates = [o for o in run("PR001", batch) if isinstance(o, Candidate)]
    assert [c.finding.interaction_key for c in candidates] == [wrong.key]
    (finding,) = run("PR002", batch)
    assert isinstance(finding, Finding) and finding.session_key == shifted[0].key.rsplit("_", 1)[0]
    assert finding.evidence["shift"] == -1 and len(finding.fix.operations) == 2 * len(shifted)
