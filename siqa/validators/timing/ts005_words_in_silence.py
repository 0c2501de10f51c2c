from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.activity import FRAME_SECONDS
from siqa.signals.alignment import file_timing

SETTINGS = {
    "min_speech_share": Setting(0.1, "below this share of own-speech frames a word is in silence"),
    "pad_seconds": Setting(0.05, "slack around each word"),
    "min_words": Setting(2, "silent words a channel needs to be reported"),
}


@rule("TS005", "words-in-silence", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("wav", "json"), version=2,
      settings=SETTINGS)
def words_in_silence(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Transcript words placed where the participant's channel has no own speech.

    ## What it detects
    Words of `metadata:transcript` (after removing the file's global offset) whose time span holds almost no
    acoustic own speech, even with `pad_seconds` of slack on both sides. The partner's bleed does not count as
    own speech, so echo words (the partner's words transcribed into this channel) are caught too.

    ## Why it matters
    Words in silence are invented or belong to someone else; they teach ASR and dialogue models text that was
    never said by this person at this moment.

    ## Evidence
    `words` (up to 20: text, times, the share of the word's frames with own speech), `count`.

    ## Thresholds
    `min_speech_share`: below this share of own-speech frames a word is in silence; `pad_seconds`: slack;
    `min_words`: silent words a channel needs to be reported (one short word that a soft voice swallows is
    common in clean speech; invented or echoed text runs to several).
    """
    for pf in interaction.participants:
        if not (pf.has("wav") and pf.has("json")) or not pf.meta().has_transcript:
            continue
        timing = file_timing(pf, interaction, ctx)
        speech = timing.activity.speech
        pad = ctx.settings.pad_seconds
        shift = -timing.offset_seconds
        silent = []
        for seg in pf.meta().transcript().items:
            for word in seg.words:
                start = max(0, int((word.start + shift - pad) / FRAME_SECONDS))
                end = min(len(speech), int(np.ceil((word.end + shift + pad) / FRAME_SECONDS)))
                share = float(speech[start:end].mean()) if end > start else 0.0
                if share < ctx.settings.min_speech_share:
                    silent.append((word, share))
        if len(silent) < ctx.settings.min_words:
            continue
        yield ctx.report(
            pf, f"{pf.path('json')}: {len(silent)} transcript word(s) where this channel has no own speech",
            path=pf.path("json"), span=(min(w.start for w, _ in silent), max(w.end for w, _ in silent)),
            confidence=float(1.0 - np.mean([s for _, s in silent])),
            evidence={"count": len(silent), "words": [{"word": w.word, "start": w.start, "end": w.end,
                                                       "speech_share": round(s, 3)} for w, s in silent[:20]]})
