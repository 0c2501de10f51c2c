from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from siqa.config import RuleSettings
from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction, Session
from siqa.findings import Scope, Severity
from siqa.norms import Candidate
from siqa.registry import rule
from siqa.signals.lexicon import content_words
from siqa.validators.timing.boundaries import boundary_fix, interaction_bounds

METRIC = "edge_fit"


@dataclass(frozen=True)
class _Said:
    start: float
    end: float
    words: tuple[str, ...]  # content words

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


@dataclass(frozen=True)
class _Talk:
    """An interaction's transcript segments within its boundary, split into its two edge zones and its middle."""

    interaction: Interaction
    start: float
    end: float
    said: list[_Said]  # time order
    zone: float  # seconds at each edge where talk is judged (and may be trimmed)

    def edge(self, edge: str) -> list[_Said]:
        """The segments of an edge zone, from the edge inwards."""
        if edge == "start":
            return [s for s in self.said if s.middle < self.start + self.zone]
        return [s for s in self.said[::-1] if s.middle > self.end - self.zone]

    @property
    def middle(self) -> str:
        inside = (s for s in self.said if self.start + self.zone <= s.middle <= self.end - self.zone)
        return " ".join(w for s in inside for w in s.words)


@dataclass(frozen=True)
class _Fit:
    run: list[_Said]  # the edge talk to trim, from the edge inwards
    inner: _Said | None  # the first segment after it (None: the zone ends the run)
    to_middle: float  # cosine of the least-fitting run with the interaction's middle
    to_neighbour: float  # and with the middle of the neighbouring interaction on that side

    @property
    def value(self) -> float:
        return self.to_middle - self.to_neighbour


@rule("TS006", "off-prompt-edges", scope=Scope.SESSION, severity=Severity.WARNING, reads=("json",), version=2)
def off_prompt_edges(session: Session, ctx: RuleContext) -> Iterator[Candidate]:
    """Interaction that starts too early or ends too late into talk that belongs elsewhere: the first (or last)
    seconds hold talk that fits the neighbouring interaction, or fits the interaction itself far worse than
    edges usually do.

    ## What it detects
    The transcript segments of both participants within each interaction of the session (its files, or the
    boundary its row of `interactions.csv` records, as TS003 describes). An edge zone is the first (last)
    `max_trim_share` of the interaction; its middle is the talk between the two zones. Talk is compared as
    TF-IDF vectors over content words (IDF over the session's interactions). From the edge inwards, every run
    of the zone's segments with at least `min_words` content words is scored by its *edge fit*: its cosine
    with the interaction's middle minus its cosine with the middle of the neighbouring interaction on that
    side (the previous one at the start, the next one at the end; 0 where there is none). The least-fitting run
    is the edge's talk, extended while each next segment fits the neighbour better than the middle; its fit is
    recorded for every edge (`edge_fit` in `norms.jsonl`). An edge whose
    talk lasts `min_seconds` is reported when its fit lies below the site's (else the batch's) median by
    `tolerance` robust spreads and at least `min_effect`. The prompt's words are not used: real talk takes
    few of them (0-19% of its content words on real speech), and how well two stretches of one conversation
    share words depends on the site and the speakers, so the norm is measured.

    ## Why it matters
    The boundary was annotated into the neighbouring interaction (its last exchange, or the chat while the
    next prompt was handed out): the window pairs speech with a prompt it does not follow, and trains dialogue
    models on a topic switch that never happened within one interaction.

    ## Evidence
    `edge`, `edge_seconds`, `words` (the edge talk's content words), `similarity_middle`,
    `similarity_neighbour`, `neighbour` (its interaction key, or null), `proposed_start` or `proposed_end`
    (the trimmed boundary), and the edge fits' norm under `norm`.

    ## Fix
    Writes the trimmed boundary to the interaction's row of `interactions.csv`, unsafe, as TS003 does. It lies
    `keep_seconds` before the first segment after the edge talk (or after the last before it), never further
    out than halfway into the pause that separates them, and never further in than `max_trim_share` of the
    interaction: longer stretches are reported, but a person places that boundary.

    ## Thresholds
    `tolerance` (robust spreads), `min_effect` (cosine) and `min_units` (edges needed for a norm; with fewer,
    candidates are skipped with the reason: there is no absolute limit); `max_trim_share`, `min_words`,
    `min_seconds`, `keep_seconds` as above. Interactions whose middle has fewer than `min_words` content words
    are not judged.
    """
    share = ctx.settings.get("max_trim_share")
    talks = [_talk(interaction, ctx, share) for interaction in session.interactions]
    documents = [" ".join(w for s in t.said for w in s.words) for t in talks if t is not None]
    if not any(documents):
        return
    vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True).fit([d for d in documents if d])
    for index, talk in enumerate(talks):
        if talk is None or len(talk.middle.split()) < ctx.settings.get("min_words"):
            continue
        for edge, step in (("start", -1), ("end", 1)):
            at = index + step
            neighbour = talks[at] if 0 <= at < len(talks) else None
            fit = _fit(talk, edge, neighbour, vectorizer, ctx.settings)
            if fit is not None:
                yield from _judge(talk, edge, neighbour, fit, ctx)


def _talk(interaction: Interaction, ctx: RuleContext, share: float) -> _Talk | None:
    """Both participants' transcript segments with content words within the interaction's boundary."""
    bounds = interaction_bounds(interaction, ctx)
    said = []
    for pf in interaction.participants:
        if not pf.has("json"):
            continue
        try:
            meta = pf.meta()
            segments = meta.transcript().items if meta.has_transcript else []
        except ReadError:
            continue
        said += [_Said(s.start, s.end, tuple(content_words(s.text))) for s in segments
                 if s.end > bounds.start and (bounds.end is None or s.start < bounds.end)]
    said = sorted((s for s in said if s.words), key=lambda s: (s.start, s.end))
    if not said:
        return None
    end = max(s.end for s in said) if bounds.end is None else bounds.end
    return _Talk(interaction, bounds.start, end, said, share * (end - bounds.start))


def _fit(talk: _Talk, edge: str, neighbour: _Talk | None, vectorizer: TfidfVectorizer,
         settings: RuleSettings) -> _Fit | None:
    """The edge's least-fitting run of at least `min_words` content words, extended while each next segment fits
    the neighbour better than the middle (the talk it opens goes on); None when the zone has too few words."""
    ordered = talk.edge(edge)
    counts = np.cumsum([len(s.words) for s in ordered])
    runs = [k + 1 for k in range(len(ordered)) if counts[k] >= settings.get("min_words")]
    if not runs:
        return None
    texts = [" ".join(w for s in ordered[:k] for w in s.words) for k in runs]
    texts += [" ".join(s.words) for s in ordered]
    other = neighbour.middle if neighbour is not None else ""
    vectors = vectorizer.transform(texts + [talk.middle, other])
    similarity = (vectors[:len(texts)] @ vectors[len(texts):].T).toarray()
    fits = similarity[:, 0] - similarity[:, 1]
    best = int(np.flatnonzero(fits[:len(runs)] <= fits[:len(runs)].min() + 1e-9)[-1])  # longest of the worst
    k = runs[best]
    while k < len(ordered) and fits[len(runs) + k] < 0:  # the next segment fits the neighbour too: the talk goes on
        k += 1
    inner = ordered[k] if k < len(ordered) else None
    return _Fit(ordered[:k], inner, float(similarity[best, 0]), float(similarity[best, 1]))


def _judge(talk: _Talk, edge: str, neighbour: _Talk | None, fit: _Fit, ctx: RuleContext) -> Iterator[Candidate]:
    """The edge's candidate (its fit measured either way); edge talk shorter than `min_seconds` is only measured."""
    interaction, settings = talk.interaction, ctx.settings
    proposed = _boundary(talk, edge, fit, settings.get("keep_seconds"))
    seconds = abs(proposed - (talk.start if edge == "start" else talk.end))
    if seconds < settings.get("min_seconds"):
        ctx.measure(interaction, METRIC, fit.value)
        return
    key = neighbour.interaction.key if neighbour is not None else None
    what = "starts too early" if edge == "start" else "ends too late"
    belongs = (f"fits {key} better than its own talk" if fit.to_neighbour > fit.to_middle
               else "fits its own talk poorly")
    span = (talk.start, proposed) if edge == "start" else (proposed, talk.end)
    yield ctx.candidate(
        interaction, f"{interaction.key} {what}: {seconds:.1f} s of talk at the {edge} {belongs}",
        metric=METRIC, value=fit.value, side="low", label="edge fit (middle minus neighbour)", span=span,
        fix=boundary_fix(interaction, ctx, edge, proposed),
        evidence={"edge": edge, "edge_seconds": round(seconds, 3),
                  "words": sorted({w for s in fit.run for w in s.words}),
                  "similarity_middle": round(fit.to_middle, 3), "similarity_neighbour": round(fit.to_neighbour, 3),
                  "neighbour": key, f"proposed_{edge}": proposed})


def _boundary(talk: _Talk, edge: str, fit: _Fit, keep: float) -> float:
    """The trimmed boundary: `keep` seconds before the inner segment (after, at the end), at most halfway into the
    pause after the run, and never further in than the edge zone."""
    if edge == "start":
        inner = fit.inner.start if fit.inner is not None else talk.start + talk.zone
        run_end = max(s.end for s in fit.run)
        proposed = max(inner - keep, min(inner, (run_end + inner) / 2))
        return round(min(proposed, talk.start + talk.zone), 3)
    inner = fit.inner.end if fit.inner is not None else talk.end - talk.zone
    run_start = min(s.start for s in fit.run)
    proposed = min(inner + keep, max(inner, (run_start + inner) / 2))
    return round(max(proposed, talk.end - talk.zone), 3)
