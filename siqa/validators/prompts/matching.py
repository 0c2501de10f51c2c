"""How well each interaction's talk fits every prompt of its batch, and which sessions' prompts are shifted
(pass two, shared by PR001 and PR002; its input is `siqa.validators.prompts.talk`'s records).

Real talk takes few of its words from a one-sentence prompt, so a prompt is described by the release itself:
its *profile* is the prompt's text plus the talk of every interaction of the batch that carries it, outside the
session being judged. Leaving the whole session out means an interaction never explains itself, and a
session never vouches for its own prompts: in a shifted session each prompt sits on a neighbour's row, whose
talk would otherwise pull the prompt's profile towards the wrong conversation. A prompt no other session
carries has only its text. Talk and profiles are TF-IDF vectors over content words (sublinear tf, IDF over
every interaction's talk and every prompt's text); `similarity[i, p]` is the cosine of interaction i's talk
with prompt p's profile. A profile is first estimated from every interaction under its recorded prompt, then
again, until it settles, only from the talk that fits the prompt it should carry (its recorded one, or the one
its session's shift gives it) better than any other. A wrong prompt, or a shifted session, would otherwise lend
its talk to a profile of another scenario, and where a prompt has few carriers make their right talk look wrong.
One re-estimate is not enough where most of a rare prompt's carriers are wrong: its right talk then fits the
profiles that a wrong prompt or a shift lent that talk to better than its own polluted one, drops out of its
own profile in the first re-estimate, and returns in the next. Re-estimating until no interaction changes
profile (at most `MAX_REFITS` times, so the fit always ends) keeps that talk where it belongs.

A *shift* h (+1 or -1) says each interaction carries the prompt of the one h places later, so the prompt that
fits interaction i is the one recorded at i-h. Its per-interaction gain is similarity with that prompt minus similarity
with the recorded one. Over a batch, where most sessions are not shifted, these gains describe how much
better a neighbour's prompt fits by chance; a shift explains a session when its mean gain lies above the
batch's median gain by `shift_tolerance` robust spreads of a mean of that many gains (spread / sqrt(n)) and by
at least `shift_min_effect`, and at least `shift_min_consistent_share` of the interactions that vote prefer
their shifted prompt (`[signals.prompts]`). An interaction votes when its gain is at least `shift_min_effect`
either way: a smaller one says its talk fits neither prompt, and with three votes in a session of four one such
chance difference would veto a shift that the other two show plainly. The interaction at the open end of a
shift takes the prompt from the other end where the prompts were rotated within the session and that prompt
fits it best.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from siqa.norms import robust
from siqa.signals.lexicon import content_words

SHIFTS = (1, -1)
MAX_REFITS = 5  # re-estimates of the profiles from the talk that fits them; they settle in two or three


@dataclass(frozen=True)
class GainNorm:
    """The batch's per-interaction gains of every session under every shift: what chance gives."""

    median: float
    spread: float  # 1.4826 x MAD
    units: int

    def to_dict(self) -> dict[str, float | int]:
        return {"median": round(self.median, 4), "spread": round(self.spread, 4), "units": self.units}


@dataclass(frozen=True)
class Shift:
    offset: int  # +1: each interaction carries the next one's prompt; -1: the previous one's
    gain: float  # mean similarity of the shifted prompts minus that of the recorded ones
    consistent_share: float  # of the interactions that vote, those that prefer their shifted prompt
    votes: int  # interactions whose talk fits their shifted and recorded prompts differently
    deviation: float  # gain above the batch's median gain
    threshold: float  # what the deviation had to exceed

    @property
    def confidence(self) -> float:
        """0.5 at the threshold, 1 at twice its distance from the median, scaled by the share that agrees."""
        beyond = (self.deviation - self.threshold) / self.threshold if self.threshold > 0 else 1.0
        return min(1.0, 0.5 + 0.5 * beyond) * self.consistent_share


@dataclass(frozen=True)
class PromptFit:
    records: list[dict[str, Any]]  # one per prompted interaction, by session and order
    prompts: list[str]  # the distinct prompts recorded in the batch, sorted
    columns: list[int]  # records[i]'s recorded prompt, as an index of `prompts`
    similarity: np.ndarray  # talk of records[i] x profile of prompts[p] without records[i]'s session
    profile_sizes: np.ndarray  # interactions whose talk is in that profile (0: the prompt's text only)
    sessions: dict[str, list[int]]  # session key -> indexes of its records, in session order
    shifts: dict[str, Shift]  # sessions a shift explains
    gains: GainNorm | None  # None when too few gains to judge a shift
    members: list[int | None]  # the prompt whose profile records[i]'s talk is in (None: none)
    vectors: _Vectors | None  # None when no talk is judged

    def similarity_of(self, texts: list[str], session_keys: list[str]) -> np.ndarray:
        """Cosine of other talk (content words; texts[k] said in session_keys[k]) with every prompt's profile,
        the profiles built as for the interactions' own talk, that session's talk left out (TS006: a stretch of
        an interaction is judged as the interaction is)."""
        if self.vectors is None or not texts:
            return np.zeros((len(texts), len(self.prompts)))
        asked: dict[str, list[int]] = defaultdict(list)
        for k, key in enumerate(session_keys):
            asked[key].append(k)
        return _similarity(self.vectors, self.members, self.sessions, self.vectors.weigh(texts), asked)[0]

    def assigned(self, i: int) -> int:
        """The prompt (column) interaction i should carry: its recorded one, or the one its session's shift gives
        it; the open end of a shift keeps its own unless the prompts were rotated within the session."""
        key = self.records[i]["session_key"]
        shift, rows = self.shifts.get(key), self.sessions[key]
        if shift is None:
            return self.columns[i]
        source = rows.index(i) - shift.offset
        if 0 <= source < len(rows):
            return self.columns[rows[source]]
        wrapped, own, row = self.columns[rows[source % len(rows)]], self.columns[i], self.similarity[i]
        best = max((self.columns[j] for j in rows), key=lambda c: row[c])
        return wrapped if best == wrapped and row[wrapped] > row[own] else own

    def best_other(self, i: int, column: int) -> int | None:
        """The prompt other than `column` whose profile fits interaction i's talk best."""
        row = self.similarity[i].copy()
        row[column] = -np.inf
        return int(np.argmax(row)) if np.isfinite(row).any() else None

    def fits_own(self, i: int) -> bool:
        """Whether a judged interaction's talk fits the prompt it should carry at least as well as any other."""
        own = self.assigned(i)
        other = self.best_other(i, own)
        row = self.similarity[i]
        return bool(self.records[i]["judged"] and (other is None or row[own] >= row[other]))

    def carriers(self, column: int, session_key: str) -> list[str]:
        """Interactions that carry a prompt, those of `session_key` first."""
        keys = [(r["session_key"] != session_key, r["interaction_key"]) for r, c in zip(self.records, self.columns)
                if c == column]
        return [key for _, key in sorted(keys)]


@dataclass(frozen=True)
class _Vectors:
    """The batch's talk as term counts and TF-IDF vectors, and the transforms that count and weigh other text."""

    counter: CountVectorizer  # the batch's vocabulary
    talk: sparse.csr_matrix  # counts, one row per record
    texts: sparse.csr_matrix  # counts, one row per prompt
    tfidf: TfidfTransformer
    speech: sparse.csr_matrix  # the talk's TF-IDF, L2-normalised

    def weigh(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF vectors, L2-normalised, of other talk over the batch's vocabulary and IDF."""
        return self.tfidf.transform(self.counter.transform(texts))


def prompt_fit(records: list[dict[str, Any]]) -> PromptFit:
    """Profiles, similarities and shifts of a batch; the same whatever order the records come in."""
    records = sorted(records, key=lambda r: (r["session_key"], r["order"]))
    prompts = sorted({r["prompt"] for r in records})
    index = {p: k for k, p in enumerate(prompts)}
    columns = [index[r["prompt"]] for r in records]
    sessions: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        sessions[record["session_key"]].append(i)
    if not any(r["judged"] for r in records):
        empty = np.zeros((len(records), len(prompts)))
        return PromptFit(records, prompts, columns, empty, empty.astype(int), dict(sessions), {}, None,
                         [None] * len(records), None)
    vectors = _vectors(records, prompts)
    fit = _fit(records, prompts, columns, dict(sessions), vectors, columns)
    for _ in range(MAX_REFITS):
        members = [fit.assigned(i) if fit.fits_own(i) else None for i in range(len(records))]
        if members == fit.members:
            break
        fit = _fit(records, prompts, columns, dict(sessions), vectors, members)
    return fit


def _vectors(records: list[dict[str, Any]], prompts: list[str]) -> _Vectors:
    counter = CountVectorizer(analyzer=content_words)
    counts = counter.fit_transform([r["words"] for r in records] + prompts).tocsr()
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)  # IDF over every talk and every prompt's text
    talk = counts[:len(records)]
    return _Vectors(counter, talk, counts[len(records):], tfidf, tfidf.transform(talk))


def _fit(records: list[dict[str, Any]], prompts: list[str], columns: list[int], sessions: dict[str, list[int]],
         vectors: _Vectors, members: Sequence[int | None]) -> PromptFit:
    """Similarities with profiles built from the talk of `members` (the prompt each record's talk describes,
    None: none), and the shifts they reveal."""
    similarity, sizes = _similarity(vectors, members, sessions, vectors.speech, sessions)
    gains = {(key, offset): _gains(similarity, columns, records, rows, offset)
             for key, rows in sessions.items() for offset in SHIFTS}
    norm = _gain_norm(gains, records)
    shifts = {key: shift for key, rows in sessions.items()
              if norm is not None and (shift := _shift(key, rows, gains, norm, records[rows[0]]["shift"]))}
    return PromptFit(records, prompts, columns, similarity, sizes, sessions, shifts, norm, list(members), vectors)


def _similarity(vectors: _Vectors, members: Sequence[int | None], sessions: dict[str, list[int]],
                queries: sparse.csr_matrix, asked: dict[str, list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of every query (a TF-IDF row; `asked`: session key -> its rows) with every prompt's profile,
    leaving the query's session out (the profiles its session's talk is in lose that talk), and the number of
    interactions in each profile."""
    n, count = vectors.talk.shape[0], vectors.texts.shape[0]
    member = np.array([-1 if c is None else c for c in members])
    kept = np.flatnonzero(member >= 0)
    carries = sparse.csr_matrix((np.ones(kept.size), (member[kept], kept)), shape=(count, n))
    sizes = np.tile(np.asarray(carries.sum(axis=1)).ravel(), (queries.shape[0], 1))
    full = vectors.texts + carries @ vectors.talk
    similarity = (queries @ vectors.tfidf.transform(full).T).toarray()
    for key, rows in asked.items():
        session = sessions.get(key, [])
        own = sorted({m for i in session if (m := members[i]) is not None})
        if not own:
            continue
        inside = carries[own][:, session]
        local = (full[own] - inside @ vectors.talk[session]).tocsr()
        local.eliminate_zeros()  # sublinear tf takes the log of every stored count
        cells = np.ix_(np.asarray(rows), np.asarray(own))
        similarity[cells] = (queries[rows] @ vectors.tfidf.transform(local).T).toarray()
        sizes[cells] -= np.asarray(inside.sum(axis=1)).ravel().astype(int)
    return similarity, sizes


def _gains(similarity: np.ndarray, columns: list[int], records: list[dict[str, Any]], rows: list[int],
           offset: int) -> np.ndarray:
    """Per judged interaction of a session that has a neighbour at `offset`: similarity with the prompt the
    shift gives it minus similarity with its recorded prompt."""
    return np.array([similarity[i, columns[rows[k - offset]]] - similarity[i, columns[i]]
                     for k, i in enumerate(rows) if records[i]["judged"] and 0 <= k - offset < len(rows)])


def _gain_norm(gains: dict[tuple[str, int], np.ndarray], records: list[dict[str, Any]]) -> GainNorm | None:
    values = np.concatenate([g for g in gains.values()] or [np.zeros(0)])
    least = min((r["shift"]["shift_min_units"] for r in records), default=math.inf)
    if values.size < max(least, 1):
        return None
    median, spread = robust(values)
    return GainNorm(median, spread, int(values.size))


def _shift(key: str, rows: list[int], gains: dict[tuple[str, int], np.ndarray], norm: GainNorm,
           settings: dict[str, Any]) -> Shift | None:
    """The shift that explains the session best, if one explains it clearly better than chance."""
    if len(rows) < settings["shift_min_interactions"]:
        return None
    best = None
    for offset in SHIFTS:
        shift = _judge(offset, gains[(key, offset)], norm, settings)
        if shift is not None and (best is None or shift.deviation > best.deviation):
            best = shift
    return best


def _judge(offset: int, gains: np.ndarray, norm: GainNorm, settings: dict[str, Any]) -> Shift | None:
    # a gain under shift_min_effect is no preference: talk that fits neither prompt (a wrong prompt inside a
    # shifted session, a prompt with only its text) differs between them by chance, and abstains
    votes = np.abs(gains) > settings["shift_min_effect"]
    if votes.sum() < settings["shift_min_interactions"] - 1:
        return None
    gain, share = float(gains.mean()), float(np.mean(gains[votes] > 0))
    deviation = gain - norm.median
    # the mean of n gains drawn from the batch's varies by spread / sqrt(n)
    spread = norm.spread / math.sqrt(gains.size)
    threshold = max(settings["shift_tolerance"] * spread, settings["shift_min_effect"])
    if share < settings["shift_min_consistent_share"] or deviation <= threshold:
        return None
    return Shift(offset, gain, share, int(votes.sum()), deviation, threshold)
