from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from siqa.batch_pass import Output, PassInput, batch_pass
from siqa.config import RuleSettings
from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction, Session
from siqa.findings import Finding, Scope, Severity
from siqa.norms import norm_settings
from siqa.registry import Setting, rule
from siqa.signals.lexicon import content_words
from siqa.signals.prompts import recorded_prompts
from siqa.validators.prompts.matching import PromptFit, prompt_fit
from siqa.validators.timing.boundaries import Bounds, interaction_bounds, table_boundary_fix

CODE = "TS006"
METRIC = "edge_fit"
EDGES = ("start", "end")
PROMPTS = "prompts"  # the signal whose settings (shift_*, min_content_words) decide the prompts' profiles


SETTINGS = {
    **norm_settings(unit="cosine", tolerance=1.5, min_effect=0.3, min_units=12),
    "max_trim_share": Setting(0.25, "edge talk is sought (and trimmed) within this share of the interaction at "
                                   "each edge"),
    "min_words": Setting(4, "content words a run of edge talk needs to be judged"),
    "min_seconds": Setting(1.5, "shortest edge talk reported"),
    "keep_seconds": Setting(0.8, "margin kept before the first (after the last) word of the interaction's "
                                 "own talk"),
}


@rule(CODE, "off-prompt-edges", scope=Scope.SESSION, severity=Severity.WARNING, reads=("json",), version=3,
      settings=SETTINGS)
def off_prompt_edges(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """Interaction that starts too early or ends too late into talk that belongs elsewhere: the first (or last)
    seconds say what another prompt of the batch describes, not the interaction's own.

    ## What it detects
    Each prompt is described by the release itself, as PR001 describes it: its *profile* is its text plus the
    talk of the batch's interactions that carry it (those whose talk fits it, learnt in two rounds), outside the
    session being judged. An edge zone is the first (last) `max_trim_share` of the interaction (its files, or
    the boundary its row of `interactions.csv` records, as TS003 describes); its *runs* are the transcript
    segments of both participants from the edge inwards, as long as they hold at least `min_words` content
    words. A run's *fit* is its similarity (TF-IDF cosine over content words) with the profile of the
    interaction's own prompt (the one PR002's shift gives it, where one does) minus its best similarity with
    any other prompt's profile, the neighbours' prompts included. The least-fitting run is the edge's talk,
    extended while each next segment fits that other prompt better than its own; its fit is recorded for every
    edge (`edge_fit` in `metrics.jsonl`). An edge whose talk another prompt fits better (a negative fit) and
    that lasts `min_seconds` is reported when its fit lies below the site's (else the batch's) median by
    `tolerance` robust spreads and at least `min_effect`. An interaction whose talk as a whole fits another
    prompt better is PR001's (its prompt is wrong, not its edges) and is not judged.

    ## Why it is judged this way
    Real talk takes few words from a one-line prompt (0-19% of its content words on real speech), so a few
    sentences at an edge share almost no words with the prompt, or with the rest of the interaction: they are
    compared with what the batch says under each prompt. How far apart prompts' talk stands depends on the
    release's prompts and speakers, so the norm is measured.

    ## Why it matters
    The boundary was annotated into the neighbouring interaction (its last exchange, or the chat while the
    next prompt was handed out): the window pairs speech with a prompt it does not follow, and trains dialogue
    models on a topic switch that never happened within one interaction.

    ## Evidence
    `edge`, `edge_seconds`, `words` (the edge talk's content words), `prompt` and `similarity_own`,
    `other_prompt` and `similarity_other` (the run's best other prompt), `neighbour` (the neighbouring
    interaction on that side when it carries that prompt, else null), `proposed_start` or `proposed_end` (the
    trimmed boundary), and the edge fits' norm under `norm`.

    ## Fix
    Writes the trimmed boundary to the interaction's row of `interactions.csv`, unsafe, as TS003 does. It lies
    `keep_seconds` before the first segment of the interaction's own talk (after the last), or at the edge
    talk where the pause is shorter, and never further in than `max_trim_share` of the interaction: longer
    stretches are reported, but a person places that boundary.

    ## Thresholds
    `tolerance` (robust spreads), `min_effect` (cosine) and `min_units` (edges needed for a norm; with fewer,
    candidates are skipped with the reason: there is no absolute limit). A site holds a few dozen edges, and
    edges that really carry other talk widen its spread, so the spread is a weak guide on its own: the
    tolerance is low (1.5) and the least effect, 0.3 of cosine below the site's median fit, does most of the
    work. Measured: injected off-prompt edges 0.37-0.59 below the median; a clean edge whose few words fit an
    unrelated prompt weakly (cosine 0.09), 0.25; `max_trim_share`, `min_words`,
    `min_seconds`, `keep_seconds` as above. Interactions with fewer content words than [signals.prompts]
    min_content_words, or without a prompt, are not judged; without `interactions.csv` the rule is skipped.
    """
    prompts = recorded_prompts(ctx, (i.key for i in session.interactions))
    for order, interaction in enumerate(session.interactions):
        record = _record(interaction, ctx, order, prompts.get(interaction.key))
        if record is not None:
            ctx.collect(CODE, record)
    return iter(())


@dataclass(frozen=True)
class _Said:
    start: float
    end: float
    words: str  # content words

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


def _record(interaction: Interaction, ctx: RuleContext, order: int, prompt: str | None) -> dict[str, Any] | None:
    """What the batch pass needs of a prompted interaction with talk: its talk, as the prompt rules' records
    hold it, and its edge zones' segments from the edge inwards."""
    if prompt is None:
        return None
    bounds = interaction_bounds(interaction, ctx)
    said = _said(interaction, bounds)
    if not said:
        return None
    end = max(s.end for s in said) if bounds.end is None else bounds.end
    zone = ctx.settings.max_trim_share * (end - bounds.start)
    signal = ctx.signal_settings(PROMPTS, interaction.site)
    words = " ".join(s.words for s in said)
    edges = {"start": [s for s in said if s.middle < bounds.start + zone],
             "end": [s for s in said[::-1] if s.middle > end - zone]}
    return {"scope": "interaction", "site": interaction.site, "session_key": interaction.session_key,
            "interaction_key": interaction.key, "order": order, "prompt": prompt, "words": words,
            "judged": len(words.split()) >= signal["min_content_words"],
            "shift": {k: v for k, v in signal.items() if k.startswith("shift_")}, "start": bounds.start, "end": end,
            "edges": {edge: [[s.start, s.end, s.words] for s in run] for edge, run in edges.items()}}


def _said(interaction: Interaction, bounds: Bounds) -> list[_Said]:
    """Both participants' transcript segments with content words within the boundary, in time order."""
    said = []
    for pf in interaction.participants:
        if not pf.has("json"):
            continue
        try:
            meta = pf.meta()
            segments = meta.transcript().items if meta.has_transcript else []
        except ReadError:
            continue
        said += [_Said(round(s.start, 3), round(s.end, 3), " ".join(content_words(s.text))) for s in segments
                 if s.end > bounds.start and (bounds.end is None or s.start < bounds.end)]
    return sorted((s for s in said if s.words), key=lambda s: (s.start, s.end))


@dataclass(frozen=True)
class _Edge:
    """One edge zone of a judged interaction: its segments from the edge inwards, and the runs judged."""

    row: int  # the interaction's record in `PromptFit.records`
    edge: str
    said: list[_Said]
    runs: list[int]  # lengths of the runs (leading segments) with at least `min_words` content words

    @classmethod
    def of(cls, row: int, record: dict[str, Any], edge: str, min_words: int) -> _Edge:
        said = [_Said(*s) for s in record["edges"][edge]]
        counts = np.cumsum([len(s.words.split()) for s in said])
        return cls(row, edge, said, [k + 1 for k, count in enumerate(counts) if count >= min_words])

    @property
    def texts(self) -> list[str]:
        """Every run's words, then every segment's (to extend the run)."""
        runs = [" ".join(s.words for s in self.said[:k]) for k in self.runs]
        return runs + [s.words for s in self.said]


@dataclass(frozen=True)
class _Fit:
    run: list[_Said]  # the edge talk, from the edge inwards
    inner: _Said | None  # the first segment after it (None: the zone ends with it)
    own: int  # prompts (columns) of the interaction ...
    other: int  # ... and of the run's best other profile
    similarity: np.ndarray  # the least-fitting run's similarity with every profile

    @property
    def value(self) -> float:
        return float(self.similarity[self.own] - self.similarity[self.other])


@batch_pass(CODE)
def judge_edges(given: PassInput) -> Iterator[Output]:
    """Every judged edge's fit, and a candidate where another prompt fits its talk better."""
    fit = prompt_fit(given.records)
    edges = [_Edge.of(i, record, edge, given.settings_for(record["site"]).get("min_words"))
             for i, record in enumerate(fit.records) if _judged(fit, i) for edge in EDGES]
    edges = [e for e in edges if e.runs]
    texts = [e.texts for e in edges]
    similarity = fit.similarity_of([t for ts in texts for t in ts],
                                   [fit.records[e.row]["session_key"] for e, ts in zip(edges, texts) for _ in ts])
    at = np.cumsum([0] + [len(ts) for ts in texts])
    for k, edge in enumerate(edges):
        yield from _judge(given, fit, edge, _fit(fit, edge, similarity[at[k]:at[k + 1]]))


def _judged(fit: PromptFit, i: int) -> bool:
    """Whether an interaction's edges can be judged: its talk fits its own prompt (else PR001 reports the prompt),
    and other sessions' talk describes that prompt (its text alone shares too few words with natural talk)."""
    return fit.fits_own(i) and fit.profile_sizes[i, fit.assigned(i)] > 0


def _fit(fit: PromptFit, edge: _Edge, similarity: np.ndarray) -> _Fit:
    """The edge's least-fitting run (the longest of equals), extended while each next segment fits the run's best
    other prompt better than its own (the talk it opens goes on). `similarity`: rows as `edge.texts`."""
    own = fit.assigned(edge.row)
    runs = similarity[:len(edge.runs)]
    others = runs.copy()
    others[:, own] = -np.inf
    fits = runs[:, own] - others.max(axis=1)
    worst = int(np.flatnonzero(fits <= fits.min() + 1e-9)[-1])
    other = int(others[worst].argmax())
    segments = similarity[len(edge.runs):]
    k = edge.runs[worst]
    while k < len(edge.said) and segments[k, other] > segments[k, own]:
        k += 1
    inner = edge.said[k] if k < len(edge.said) else None
    return _Fit(edge.said[:k], inner, own, other, runs[worst])


def _judge(given: PassInput, fit: PromptFit, edge: _Edge, found: _Fit) -> Iterator[Output]:
    """The edge's candidate where another prompt fits better and the talk lasts `min_seconds` (its fit measured
    either way)."""
    record = fit.records[edge.row]
    settings = given.settings_for(record["site"])
    proposed = _boundary(record, edge.edge, found, settings)
    seconds = abs(proposed - record[edge.edge])
    if found.value >= 0 or seconds < settings.min_seconds:
        yield given.measure(record, METRIC, found.value)
        return
    key, what = record["interaction_key"], "starts too early" if edge.edge == "start" else "ends too late"
    neighbour = _neighbour(fit, edge, found.other)
    whose = f"{neighbour}'s prompt" if neighbour else "another prompt"
    span = (record["start"], proposed) if edge.edge == "start" else (proposed, record["end"])
    yield from given.candidate(
        record, f"{key} {what}: {seconds:.1f} s of talk at the {edge.edge} fit {whose} better than its own",
        metric=METRIC, value=found.value, side="low", label="edge fit (own prompt minus best other)", span=span,
        fix=table_boundary_fix(key, given.batch, edge.edge, proposed),
        evidence={"edge": edge.edge, "edge_seconds": round(seconds, 3),
                  "words": sorted({w for s in found.run for w in s.words.split()}),
                  "prompt": fit.prompts[found.own], "similarity_own": round(float(found.similarity[found.own]), 3),
                  "other_prompt": fit.prompts[found.other],
                  "similarity_other": round(float(found.similarity[found.other]), 3),
                  "neighbour": neighbour, f"proposed_{edge.edge}": proposed})


def _neighbour(fit: PromptFit, edge: _Edge, column: int) -> str | None:
    """The neighbouring interaction on the edge's side, if it carries the prompt (column) given."""
    rows = fit.sessions[fit.records[edge.row]["session_key"]]
    at = rows.index(edge.row) + (-1 if edge.edge == "start" else 1)
    if 0 <= at < len(rows) and fit.assigned(rows[at]) == column:
        return fit.records[rows[at]]["interaction_key"]
    return None


def _boundary(record: dict[str, Any], edge: str, found: _Fit, settings: RuleSettings) -> float:
    """The trimmed boundary: `keep_seconds` before the inner segment (after it, at the end), but never into the
    edge talk, so a pause shorter than that is cut at the edge talk; `keep_seconds` past the edge talk where the
    zone holds no inner segment; never further in than `max_trim_share` of the interaction. A word's sound
    outlasts its transcript time, and TS002 reports speech near an edge as a cut utterance: the margin is for
    both."""
    keep, zone = settings.keep_seconds, settings.max_trim_share * (record["end"] - record["start"])
    if edge == "start":
        run_end, limit = max(s.end for s in found.run), record["start"] + zone
        inner = found.inner.start if found.inner is not None else run_end + 2 * keep
        return round(min(max(run_end, inner - keep), limit), 3)
    run_start, limit = min(s.start for s in found.run), record["end"] - zone
    inner = found.inner.end if found.inner is not None else run_start - 2 * keep
    return round(max(min(run_start, inner + keep), limit), 3)
