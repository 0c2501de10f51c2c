from __future__ import annotations

from collections import Counter
from typing import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.signals.prompts import TABLE
from siqa.validators.prompts.matching import prompt_match


@rule("PR001", "prompt-mismatch", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"))
def prompt_mismatch(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """An interaction whose speech does not fit its own prompt better than the other prompts of its session.

    ## What it detects
    The content-word similarity (TF-IDF cosine, see `[signals.prompts]`) between what both participants said
    and the prompt `interactions.csv` records for the interaction, against the best similarity to any other
    prompt of the session. Reported when the own prompt fits poorly (`min_similarity`) or does not stand out
    from the others (`min_margin`). The speech is the transcript, and ASR output where triage sent a span to
    ASR, so it works without ASR too. When PR002 (with its thresholds) finds the session's prompts shifted,
    interactions are judged against the prompts the shift assigns them (PR002 reports the shift itself, once).

    ## Why it matters
    A wrong prompt mislabels the interaction's scenario: prompt-conditioned models learn to ignore the prompt,
    and any analysis by scenario counts the conversation in the wrong place.

    ## Evidence
    `prompt`, `similarity`, `best_other` (interaction key, prompt and similarity of the best-fitting other prompt
    of the session, if any), `speech_words` (the most said content words), `speech_source` (transcript, asr or
    both), `judged_against` (`recorded`, or the shift PR002 found).

    ## Thresholds
    `min_similarity`: the least similarity to its own prompt accepted; `min_margin`: how much better than every
    other prompt of the session the own prompt must fit. Interactions with less speech than `[signals.prompts]`
    asks for are not judged.
    """
    match = prompt_match(session, ctx)
    interactions = {i.key: i for i in session.interactions}
    min_similarity, min_margin = ctx.settings.get("min_similarity"), ctx.settings.get("min_margin")
    for i, key in enumerate(match.keys):
        if not match.judged[i]:
            continue
        column = match.source_of(i)
        column = i if column is None else column  # the open end of a shift keeps its recorded prompt
        own = float(match.similarity[i, column])
        other = match.best_other(i, column)
        margin = own - other[1] if other else None
        deficit = max(min_similarity - own, min_margin - margin if margin is not None else -1.0)
        if deficit <= 0:
            continue
        shifted = match.shift is not None and column != i
        against = f"shifted by {match.shift.offset:+d} (PR002)" if shifted else "recorded"
        evidence = {"prompt": match.prompts[column], "similarity": round(own, 3), "judged_against": against,
                    "speech_source": match.sources[i],
                    "speech_words": [w for w, _ in Counter(match.speech[i].split()).most_common(10)],
                    "best_other": None if other is None else {"interaction_key": match.keys[other[0]],
                                                              "prompt": match.prompts[other[0]],
                                                              "similarity": round(other[1], 3)}}
        yield ctx.report(
            interactions[key], f"{TABLE}: the prompt of {key} does not match what is said (similarity {own:.2f}"
                               + (f", best other prompt of the session {other[1]:.2f})" if other else ")"),
            path=TABLE, confidence=float(np.clip(0.5 + deficit / max(min_margin, min_similarity), 0.5, 1.0)),
            evidence=evidence)
