from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from siqa.context import RuleContext
from siqa.dataset.meta import Word
from siqa.dataset.schema import TRANSCRIPT_KEY
from siqa.dataset.units import Interaction
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.minimal import operations
from siqa.registry import Setting, rule
from siqa.signals.activity import FRAME_SECONDS, file_activity


def _key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def without_words(entries: list[dict[str, Any]], doomed: set[tuple[int, int]]) -> list[dict[str, Any]]:
    """The transcript with the (segment, word) positions removed; segments left empty are dropped."""
    out = []
    for i, entry in enumerate(entries):
        words = entry.get("words") if isinstance(entry, dict) else None
        if not isinstance(words, list):
            out.append(entry)
            continue
        kept = [w for j, w in enumerate(words) if (i, j) not in doomed]
        if kept:
            text = " ".join(str(w.get("word", "")) for w in kept if isinstance(w, dict))
            out.append({**entry, "words": kept, "transcript": text} if len(kept) < len(words) else entry)
    return out


SETTINGS = {
    "max_time_difference_seconds": Setting(0.1, "how close in time the partner's word must be"),
    "max_own_speech_share": Setting(0.2, "most own speech a word's span may hold to count as heard through "
                                         "bleed"),
}


@rule("BL002", "echo-words", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"),
      settings=SETTINGS)
def echo_words(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Transcript words of one participant that are the partner's words, heard through bleed.

    ## What it detects
    A word in this participant's transcript that the partner's transcript also has (same text) at the same
    moment (within `max_time_difference_seconds`), while this channel has no own speech under it: the ASR
    transcribed the partner's bleed.

    ## Why it matters
    Echo words double-count speech, put words in the wrong mouth and teach dialogue models overlaps that never
    happened.

    ## Evidence
    `words` (text, times, the matching partner word's time), `count`.

    ## Fix
    Removes those words (and segments left empty) from the transcript, word by word, and rewrites the text of
    the segments that keep other words: unsafe, a person should confirm.

    ## Thresholds
    `max_time_difference_seconds`: how close in time the partner's word must be; `max_own_speech_share`: the most
    own speech a word's span may hold to count as heard through bleed.
    """
    if len(interaction.participants) != 2 or not all(p.has("json") and p.has("wav") for p in interaction.participants):
        return
    for pf in interaction.participants:
        partner = interaction.partner_of(pf)
        if partner is None or not pf.meta().has_transcript or not partner.meta().has_transcript:
            continue
        speech = file_activity(pf, partner, ctx).speech
        theirs: dict[str, list[Word]] = {}
        for seg in partner.meta().transcript().items:
            for w in seg.words:
                theirs.setdefault(_key(w.word), []).append(w)
        tolerance = ctx.settings.max_time_difference_seconds
        doomed, evidence = set(), []
        raw = pf.meta().raw.get(TRANSCRIPT_KEY, [])
        for i, seg in enumerate(pf.meta().transcript().items):
            for j, w in enumerate(seg.words):
                match = next((t for t in theirs.get(_key(w.word), []) if abs(t.start - w.start) <= tolerance), None)
                if match is None:
                    continue
                start = int(w.start / FRAME_SECONDS)
                end = max(int(w.end / FRAME_SECONDS), start + 1)
                share = float(speech[start:end].mean()) if end <= len(speech) else 1.0
                if share <= ctx.settings.max_own_speech_share:
                    doomed.add((i, j))
                    evidence.append({"word": w.word, "start": w.start, "end": w.end, "partner_start": match.start,
                                     "own_speech_share": round(share, 3)})
        if not doomed:
            continue
        fix = Fix(Applicability.UNSAFE, pf.path("json"),
                  operations(pf.meta().raw, TRANSCRIPT_KEY, without_words(raw, doomed)),
                  f"remove {len(doomed)} echo word(s)")
        yield ctx.report(pf, f"{pf.path('json')}: {len(doomed)} transcript word(s) are the partner's, heard "
                             "through bleed", path=pf.path("json"), fix=fix,
                         span=(min(e["start"] for e in evidence), max(e["end"] for e in evidence)),
                         confidence=1.0 - max(e["own_speech_share"] for e in evidence),
                         evidence={"count": len(doomed), "words": evidence[:20]})
