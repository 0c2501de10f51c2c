"""How well each interaction's speech matches each prompt of its session, and whether prompts are shifted.

Speech is what both participants said (`siqa.signals.asr`: ASR words where triage sent a span to ASR, the
transcript elsewhere). Speech and prompts become TF-IDF vectors over content words (stopwords and fillers
removed, IDF over the session's prompts and speeches), and the similarity matrix holds their cosines: row i is
interaction i's speech, column j the prompt recorded for interaction j, both in session order.

A *shift* h (+1 or -1) says interaction i's prompt was recorded on interaction i+h's row, so the prompt that
fits i sits in column i-h. It explains the session when, over the interactions it applies to, the shifted
prompts fit clearly better on average (`min_gain`) and nearly every interaction prefers its shifted prompt to
its recorded one (`min_consistent_share`; speech that fits neither does not vote). The interaction at the end
of a shift has no neighbour to take from; where prompts were rotated within the session it takes the prompt
from the other end, if that fits it best.
Shared by PR001 (judged against the shifted prompts when a shift explains the session) and PR002, whose
thresholds (`[rules.PR002]`) decide the shift for both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Severity
from siqa.signals.asr import session_asr
from siqa.signals.lexicon import content_words
from siqa.signals.prompts import recorded_prompts

SHIFTS = (1, -1)
SHIFT_RULE = "PR002"  # whose thresholds decide a shift (PR001 judges against it too)


@dataclass(frozen=True)
class Shift:
    offset: int  # +1: each interaction carries the next one's prompt; -1: the previous one's
    gain: float  # mean similarity of the shifted prompts minus that of the recorded ones
    consistent_share: float  # of the interactions that vote, those that prefer their shifted prompt
    votes: int  # interactions whose speech fits their shifted and recorded prompts differently


@dataclass(frozen=True)
class PromptMatch:
    keys: list[str]  # interactions with a recorded prompt, in session order
    prompts: list[str]  # their recorded prompts
    similarity: np.ndarray  # speech of keys[i] x prompt of keys[j]
    speech: list[str]  # the content words said in keys[i]
    judged: list[bool]  # enough speech to judge keys[i]
    sources: list[str]  # what keys[i]'s speech comes from: "transcript", "asr", "transcript+asr" or "none"
    shift: Shift | None  # the shift that explains the session, if one does

    def source_of(self, i: int) -> int | None:
        """Column of the prompt interaction i should carry (its own when no shift); None at a shift's open end."""
        if self.shift is None:
            return i
        j = i - self.shift.offset
        if 0 <= j < len(self.keys):
            return j
        wrapped, row = j % len(self.keys), self.similarity[i]
        return wrapped if int(np.argmax(row)) == wrapped and row[wrapped] > row[i] else None

    def best_other(self, i: int, column: int) -> tuple[int, float] | None:
        """The best-fitting prompt for interaction i other than `column` (and other than copies of its text)."""
        others = [j for j in range(len(self.keys)) if self.prompts[j] != self.prompts[column]]
        if not others:
            return None
        j = max(others, key=lambda k: self.similarity[i, k])
        return j, float(self.similarity[i, j])


def _source(has_transcript: bool, has_asr: bool) -> str:
    return "+".join(name for name, used in (("transcript", has_transcript), ("asr", has_asr)) if used) or "none"


def _shift(similarity: np.ndarray, judged: list[bool], settings: dict) -> Shift | None:
    n, best = len(judged), None
    if n < settings["min_interactions"]:
        return None
    for offset in SHIFTS:
        rows = [i for i in range(n) if judged[i] and 0 <= i - offset < n]
        if len(rows) < settings["min_interactions"] - 1:
            continue
        shifted = np.array([similarity[i, i - offset] for i in rows])
        recorded = np.array([similarity[i, i] for i in rows])
        votes = ~np.isclose(shifted, recorded)  # speech that fits neither prompt does not vote
        if votes.sum() < settings["min_interactions"] - 1:
            continue
        shift = Shift(offset, float(shifted.mean() - recorded.mean()),
                      float(np.mean(shifted[votes] > recorded[votes])), int(votes.sum()))
        if (shift.gain >= settings["min_gain"] and shift.consistent_share >= settings["min_consistent_share"]
                and (best is None or shift.gain > best.gain)):
            best = shift
    return best


def prompt_match(session: Session, ctx: RuleContext) -> PromptMatch:
    """The session's speech-by-prompt similarity and the shift that explains it (computed once per session)."""

    def compute() -> PromptMatch:
        settings = ctx.signal_settings("prompts", session.site)
        decision = ctx.ruleset.settings(SHIFT_RULE, Severity.WARNING, site=session.site, label=ctx.batch.label)
        prompts = recorded_prompts(ctx, (i.key for i in session.interactions))
        asr = session_asr(session, ctx)
        keys = [i.key for i in session.interactions if i.key in prompts]
        speech, judged, sources = [], [], []
        for key in keys:
            channels = asr.of(key)
            said = [w for c in channels for w in c.spoken_words(settings["asr_min_probability"])]
            words = content_words(" ".join(said))
            speech.append(" ".join(words))
            judged.append(len(words) >= settings["min_content_words"])
            sources.append(_source(any(c.segments for c in channels), any(c.heard for c in channels)))
        texts = [prompts[k] for k in keys]
        similarity = np.zeros((len(keys), len(keys)))
        if any(judged):
            vectorizer = TfidfVectorizer(analyzer=content_words, sublinear_tf=True)
            matrix = vectorizer.fit_transform(texts + speech)
            similarity = (matrix[len(keys):] @ matrix[:len(keys)].T).toarray()
        return PromptMatch(keys, texts, similarity, speech, judged, sources,
                           _shift(similarity, judged, decision.values))

    return ctx.signals.get("prompt_match", session.key, compute)
