"""The prompt rules' batch pass on records of hand-built natural talk: a prompt's profile never holds the talk
it is judged against, and the pass gives the same outputs whatever order the records come in."""

from __future__ import annotations

import json
import random
from pathlib import Path

from siqa.batch_pass import PassInput
from siqa.config import RuleSet
from siqa.context import BatchInfo
from siqa.findings import Finding, Severity
from siqa.norms import Candidate
from siqa.validators.prompts.matching import prompt_fit
from siqa.validators.prompts.pr001_prompt_mismatch import judge_margins
from siqa.validators.prompts.pr002_prompt_off_by_one import find_shifts
from siqa.validators.prompts.talk import SHIFT_SETTINGS
from tests.validators.prompts.talk import LABEL, PROMPTS, plan_batch, records

# The talk `siqa synth` made for the precision benchmark's PR batch (seed 8: 24 sessions of four 40 s
# interactions, natural talk), as PR002 collected it, and the defects injected: a rare prompt (camping, five
# carriers) is recorded on two mismatched interactions and on a shifted session's gift talk, and its talk is
# recorded under a job interview's prompt (mismatch) and, in the shifted session V00_S0013, under a train trip's.
RARE_PROMPT_TALK = Path(__file__).with_name("rare_prompt_talk.json")

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


def test_profiles_settle_where_most_of_a_rare_prompts_carriers_are_wrong():
    """The rare prompt's two right carriers fit the train and job profiles (each lent one camping talk) better
    than its own polluted one, so one re-estimate drops them and left the shifted session's camping talk only the
    prompt's text: that talk then voted against the shift and V00_S0013 was missed."""
    given = json.loads(RARE_PROMPT_TALK.read_text())
    shift = {k: RuleSet.load("default").signal("prompts")[k] for k in SHIFT_SETTINGS}
    batch = [{"scope": "interaction", "site": key[:3], "session_key": key.rsplit("_", 1)[0], "interaction_key": key,
              "order": (number - 1) % 4, "prompt": given["prompts"][prompt], "words": words, "judged": True,
              "source": "transcript", "shift": shift}
             for number, (key, prompt, words) in enumerate(given["interactions"], 1)]
    fit = prompt_fit(batch)
    assert {key: s.offset for key, s in fit.shifts.items()} == given["shifted"]
    assert [fit.assigned(i) if fit.fits_own(i) else None for i in range(len(batch))] == fit.members
    candidates = [o.finding.interaction_key for o in run("PR001", batch) if isinstance(o, Candidate)]
    assert sorted(candidates) == given["mismatched"]


def test_a_wrong_prompt_inside_a_shifted_session_abstains_rather_than_vetoes():
    """One interaction of the shifted session had a wrong prompt before the shift: its talk fits neither the
    prompt the shift gives it nor its recorded one, so it does not vote, and PR001 still names it."""
    plans = plan_batch(6, 4, 12, seed=5)
    shifted = plans[2]
    spoken = [p.spoken for p in shifted]
    before = [*spoken[:2], next(t for t in range(len(PROMPTS)) if t not in spoken), spoken[3]]
    for planned, previous in zip(shifted, before[-1:] + before[:-1]):
        planned.recorded = previous
    batch = records(plans)
    fit = prompt_fit(batch)
    assert {key: s.offset for key, s in fit.shifts.items()} == {shifted[0].key.rsplit("_", 1)[0]: -1}
    assert fit.shifts[shifted[0].key.rsplit("_", 1)[0]].votes == 2
    candidates = [o.finding.interaction_key for o in run("PR001", batch) if isinstance(o, Candidate)]
    assert candidates == [shifted[2].key]
