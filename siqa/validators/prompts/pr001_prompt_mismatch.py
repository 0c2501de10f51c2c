from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from siqa.batch_pass import Output, PassInput, batch_pass
from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Finding, Scope, Severity
from siqa.norms import norm_settings
from siqa.registry import rule
from siqa.signals.prompts import TABLE
from siqa.validators.prompts.matching import PromptFit, prompt_fit
from siqa.validators.prompts.talk import collect_talk

CODE = "PR001"
METRIC = "margin"
SHOWN_CARRIERS = 5  # interactions named as carrying the better-fitting prompt
SHOWN_WORDS = 10


SETTINGS = norm_settings(unit="cosine", tolerance=3.0, min_effect=0.5, min_units=20)


@rule(CODE, "prompt-mismatch", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"), version=3,
      settings=SETTINGS)
def prompt_mismatch(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """An interaction whose talk another prompt of its batch explains clearly better than its own.

    ## What it detects
    Each prompt is described by the release itself: its *profile* is its text plus the talk of the other
    interactions of the batch that carry it, outside the interaction's session (so talk never explains
    itself). The *margin* of an interaction is the similarity (TF-IDF cosine over content words) of what both
    participants said with its own prompt's profile minus the best similarity with any other prompt's profile.
    Every judged interaction's margin is recorded (`margin` in `metrics.jsonl`); an interaction where another
    prompt fits better (a negative margin) is reported when its margin lies below the site's (else the batch's)
    median margin by `tolerance` robust spreads and at least `min_effect`. When a shift explains the session
    (PR002), each interaction is judged against the prompt the shift gives it, so an off-by-one session is one
    PR002 finding, not one PR001 finding per interaction.

    ## Why it matters
    A wrong prompt mislabels the interaction's scenario: prompt-conditioned models learn to ignore the prompt,
    and any analysis by scenario counts the conversation in the wrong place.

    ## Why it is judged this way
    Real talk takes only a fifth or less of its content words from a one-sentence prompt, so its similarity
    with the prompt's text is near zero for right and wrong prompts alike: absolute similarity never decides.
    Talk about the same scenario in other sessions shares the scenario's own words, and how far apart prompts
    stand depends on the release's prompts and speech, so the margin is judged against its own distribution.
    The talk is the transcript, and ASR output where triage sent a span to ASR, so the rule works without ASR.

    ## Evidence
    `prompt`, `similarity`, `margin`, `best_other` (the better-fitting prompt, its `similarity` and up to five
    `interaction_keys` that carry it, the session's first), `speech_words` (the most said content words),
    `speech_source` (transcript, asr or both), `judged_against` (`recorded`, or the shift PR002 found),
    `profile_sizes` (interactions in the own and best other prompt's profiles), `text_only` (profiles that fall
    back to the prompt's text because no other session carries the prompt), and the margins' norm (`norm`).

    ## Thresholds
    `tolerance` (robust spreads), `min_effect` (cosine: a wrong prompt mirrors a right one, its talk at chance
    with its own prompt and at a typical fit with another, so its margin lies about twice the median below it;
    an interaction whose own profile is only its prompt's text sits near zero) and `min_units` (judged
    interactions needed for a norm; with fewer, candidates are skipped with the reason: there is no absolute
    limit). Interactions with
    fewer content words said than [signals.prompts] min_content_words asks for are not judged; the shift it is
    judged against is decided by the shift_* settings of [signals.prompts] (see PR002).
    """
    collect_talk(session, ctx)
    return iter(())


@batch_pass(CODE)
def judge_margins(given: PassInput) -> Iterator[Output]:
    """Every judged interaction's margin, and a candidate where another prompt fits better."""
    fit = prompt_fit(given.records)
    for i, record in enumerate(fit.records):
        if not record["judged"]:
            continue
        own = fit.assigned(i)
        other = fit.best_other(i, own)
        if other is None:
            continue
        margin = float(fit.similarity[i, own] - fit.similarity[i, other])
        if margin >= 0:
            yield given.measure(record, METRIC, margin)
            continue
        yield from given.candidate(
            record, f"{TABLE}: another prompt fits what is said in {record['interaction_key']} better than its "
                    f"own (similarity {fit.similarity[i, own]:.2f}, best other {fit.similarity[i, other]:.2f})",
            metric=METRIC, value=margin, side="low", label="prompt margin (own minus best other)", path=TABLE,
            evidence=_evidence(fit, i, own, other))


def _evidence(fit: PromptFit, i: int, own: int, other: int) -> dict[str, Any]:
    record, similarity, sizes = fit.records[i], fit.similarity[i], fit.profile_sizes[i]
    shift = fit.shifts.get(record["session_key"])
    profiles = {"own": int(sizes[own]), "best_other": int(sizes[other])}
    # `assigned` departs from the recorded prompt only under its session's shift
    judged = "recorded" if shift is None or own == fit.columns[i] else f"shifted by {shift.offset:+d} (PR002)"
    return {"prompt": fit.prompts[own], "similarity": round(float(similarity[own]), 3),
            "margin": round(float(similarity[own] - similarity[other]), 3),
            "judged_against": judged,
            "speech_source": record["source"],
            "speech_words": [w for w, _ in Counter(record["words"].split()).most_common(SHOWN_WORDS)],
            "best_other": {"prompt": fit.prompts[other], "similarity": round(float(similarity[other]), 3),
                           "interaction_keys": fit.carriers(other, record["session_key"])[:SHOWN_CARRIERS]},
            "profile_sizes": profiles, "text_only": [name for name, size in profiles.items() if size == 0]}
