from __future__ import annotations

from typing import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.ops import format_pointer
from siqa.registry import rule
from siqa.signals.prompts import TABLE, interactions_column
from siqa.validators.prompts.matching import prompt_match


@rule("PR002", "prompt-off-by-one", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"))
def prompt_off_by_one(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """A session whose prompts are off by one: each interaction carries its neighbour's prompt.

    ## What it detects
    Over the session's interaction-by-prompt similarity matrix (what was said against every recorded prompt,
    see PR001), a consistent shift of +1 (each interaction carries the next one's prompt) or -1 (the previous
    one's) that explains the speech better than the recorded assignment: the shifted prompts fit better on
    average by at least `min_gain`, and at least `min_consistent_share` of the interactions prefer their
    shifted prompt. Sessions need `min_interactions` interactions with a prompt.

    ## Why it matters
    One slip in a spreadsheet mislabels every interaction after it: prompt-conditioned training and every
    per-scenario analysis of the session use the wrong scenario for all of them.

    ## Evidence
    `shift`, `gain`, `consistent_share`, `interactions` (keys in session order), `similarity` (the matrix,
    rows speech, columns recorded prompts), `proposed` (per interaction: recorded and proposed prompt).

    ## Fix
    Reassigns the prompts in `interactions.csv` (each row's prompt replaced by the one the shift gives it; the
    interaction at the open end of the shift keeps its prompt unless the prompts were rotated within the
    session): unsafe, a person should confirm. `siqa apply --only unsafe` applies it, `siqa revert` undoes it.

    ## Thresholds
    `min_interactions`: fewest interactions with a prompt in a session that is judged; `min_gain`: how much
    better on average the shifted prompts must fit; `min_consistent_share`: the share of the interactions that
    must prefer their shifted prompt (interactions whose speech fits neither prompt do not vote). PR001 judges
    against the shift these find. Interactions with less speech than `[signals.prompts]` asks for do not vote.
    """
    match = prompt_match(session, ctx)
    shift = match.shift
    if shift is None:
        return
    column = interactions_column(ctx, "prompt")
    proposed = [(key, match.prompts[i], match.prompts[j]) for i, key in enumerate(match.keys)
                if (j := match.source_of(i)) is not None and match.prompts[j] != match.prompts[i]]
    operations = [op for key, old, new in proposed for op in (
        {"op": "test", "path": format_pointer([key, column]), "value": old},
        {"op": "replace", "path": format_pointer([key, column]), "value": new})]
    fix = Fix(Applicability.UNSAFE, TABLE, operations,
              f"reassign {len(proposed)} prompt(s) shifted by {shift.offset:+d}")
    confidence = min(1.0, shift.gain / (2 * ctx.settings.get("min_gain")))
    yield ctx.report(
        session, f"{TABLE}: the prompts of session {session.key} are off by one ({shift.offset:+d}): "
                 f"{len(proposed)} interaction(s) carry a neighbour's prompt",
        path=TABLE, fix=fix, confidence=float(np.clip(confidence * shift.consistent_share, 0.0, 1.0)),
        evidence={"shift": shift.offset, "gain": round(shift.gain, 3),
                  "consistent_share": round(shift.consistent_share, 3), "interactions": match.keys,
                  "similarity": np.round(match.similarity, 3).tolist(),
                  "proposed": [{"interaction_key": k, "recorded": old, "proposed": new}
                               for k, old, new in proposed]})
