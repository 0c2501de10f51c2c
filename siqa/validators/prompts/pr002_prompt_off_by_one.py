from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from siqa.batch_pass import Output, PassInput, batch_pass
from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.ops import format_pointer
from siqa.registry import rule
from siqa.signals.prompts import TABLE, table_column
from siqa.validators.prompts.matching import PromptFit, Shift, prompt_fit
from siqa.validators.prompts.talk import collect_talk

CODE = "PR002"


@rule(CODE, "prompt-off-by-one", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"), version=2)
def prompt_off_by_one(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """A session whose prompts are off by one: each interaction carries its neighbour's prompt.

    ## What it detects
    Each interaction's talk against every prompt's profile (its text plus the talk of the batch's other
    sessions that carry it, see PR001). A shift of +1 (each interaction carries the next one's prompt) or -1
    (the previous one's) gains, per interaction, the similarity with the prompt it would then carry minus the
    similarity with its recorded prompt. Over the batch's sessions, which are mostly not shifted, these gains
    say what a neighbour's prompt gains by chance; a shift explains a session when its mean gain lies above
    the batch's median gain by shift_tolerance robust spreads of such a mean and by shift_min_effect, and at
    least shift_min_consistent_share of the interactions that vote prefer their shifted prompt. An interaction
    votes when its gain is at least shift_min_effect either way: talk that fits neither prompt (a wrong prompt
    inside the shifted session) abstains rather than vetoes.

    ## Why it matters
    One slip in a spreadsheet mislabels every interaction after it: prompt-conditioned training and every
    per-scenario analysis of the session use the wrong scenario for all of them.

    ## Why it is judged this way
    Real talk shares few words with its one-line prompt, so no absolute gain means a shift everywhere: how much
    better a neighbour's prompt fits by chance depends on the release's prompts and talk, and is measured on it.

    ## Evidence
    `shift`, `gain`, `consistent_share`, `votes`, `interactions` (keys in session order), `similarity` (rows:
    their talk, columns: their recorded prompts' profiles), `proposed` (per interaction: recorded and proposed
    prompt), and the batch's gains under `norm` (`median`, `spread`, `units`, `deviation`, `threshold`).

    ## Fix
    Reassigns the prompts in `interactions.csv` (each row's prompt replaced by the one the shift gives it; the
    interaction at the open end of the shift keeps its prompt unless the prompts were rotated within the
    session): unsafe, a person should confirm. `siqa apply --only unsafe` applies it, `siqa revert` undoes it.

    ## Thresholds
    None of its own: they are in [signals.prompts], since PR001 judges against the same shift (and a setting
    there is part of both rules' cached results): shift_min_interactions (fewest prompted interactions in a
    session that is judged; a shift needs one vote fewer), shift_tolerance, shift_min_effect (cosine),
    shift_min_consistent_share, and shift_min_units (gains needed in the batch; with fewer no shift is
    judged). Interactions with fewer content words said than min_content_words do not vote.
    """
    collect_talk(session, ctx)
    return iter(())


@batch_pass(CODE)
def find_shifts(given: PassInput) -> Iterator[Output]:
    """A finding, with its fix, for every session a shift explains."""
    fit = prompt_fit(given.records)
    column = table_column(given.batch, "prompt")
    for key, shift in sorted(fit.shifts.items()):
        rows = fit.sessions[key]
        proposed = [(fit.records[i]["interaction_key"], fit.prompts[fit.columns[i]], fit.prompts[fit.assigned(i)])
                    for i in rows if fit.assigned(i) != fit.columns[i]]
        operations = [op for interaction, old, new in proposed for op in (
            {"op": "test", "path": format_pointer([interaction, column]), "value": old},
            {"op": "replace", "path": format_pointer([interaction, column]), "value": new})]
        fix = Fix(Applicability.UNSAFE, TABLE, operations,
                  f"reassign {len(proposed)} prompt(s) shifted by {shift.offset:+d}")
        session = {"scope": "session", "site": fit.records[rows[0]]["site"], "session_key": key}
        yield given.report(
            session, f"{TABLE}: the prompts of session {key} are off by one ({shift.offset:+d}): "
                     f"{len(proposed)} interaction(s) carry a neighbour's prompt",
            confidence=shift.confidence, path=TABLE, fix=fix, evidence=_evidence(fit, rows, shift, proposed))


def _evidence(fit: PromptFit, rows: list[int], shift: Shift,
              proposed: list[tuple[str, str, str]]) -> dict[str, Any]:
    assert fit.gains is not None  # a shift is only found against the batch's gains
    norm = {**fit.gains.to_dict(), "deviation": round(shift.deviation, 4), "threshold": round(shift.threshold, 4)}
    return {"shift": shift.offset, "gain": round(shift.gain, 3),
            "consistent_share": round(shift.consistent_share, 3), "votes": shift.votes,
            "interactions": [fit.records[i]["interaction_key"] for i in rows],
            "similarity": np.round(fit.similarity[np.ix_(rows, [fit.columns[i] for i in rows])], 3).tolist(),
            "proposed": [{"interaction_key": k, "recorded": old, "proposed": new} for k, old, new in proposed],
            "norm": norm}
