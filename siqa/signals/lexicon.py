"""Words as the rules compare them: normalised tokens, fillers dropped, and content words for lexical matching.

A transcript says `mm hmm`, Whisper writes `Mm-mm.`; one writes `ok`, the other `Okay,`. Comparing them needs
one normal form (lowercase, no punctuation, hyphens split, fillers dropped). Matching speech to prompts needs
only content words: function words and conversational fillers say nothing about what a conversation is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_FILLER_RE = re.compile(r"^(?:[mh]+|u+[hm]+|e+r+m*|a+h+|e+h+|huh)$")
"""Disfluencies and hums (mm, hmm, mhm, mmmm, uh, umm, erm, ah, eh, huh): transcribers and ASR disagree on
whether and how to write them, so comparisons ignore them."""
SPELLINGS = {"ok": "okay", "yep": "yes", "yeah": "yes"}
CONVERSATIONAL = frozenset({"yes", "okay", "right", "sure", "oh", "like", "really", "want", "think", "maybe",
                            "let", "lets", "remember", "know", "guess", "just", "well", "gonna", "got", "thing"})
STOPWORDS = frozenset(ENGLISH_STOP_WORDS) | CONVERSATIONAL
MIN_CONTENT_LENGTH = 3


def tokens(text: str) -> list[str]:
    """Normalised words of a text: lowercase, punctuation gone, hyphenated parts split, spellings unified,
    fillers dropped."""
    out = []
    for token in _TOKEN_RE.findall(text.lower().replace("-", " ")):
        token = SPELLINGS.get(token, token)
        if not _FILLER_RE.match(token):
            out.append(token)
    return out


def words_tokens(words: Iterable[str]) -> list[str]:
    return [t for word in words for t in tokens(word)]


def content_words(text: str) -> list[str]:
    """The words that carry a conversation's topic (no stopwords, fillers or short tokens)."""
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) >= MIN_CONTENT_LENGTH and t.isalpha()]
