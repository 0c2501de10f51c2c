from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.asr.signal import session_asr
from siqa.asr.triage import speech_share
from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.validators.transcript.compare import checked_segments, files_of

SETTINGS = {
    "max_speech_share": Setting(0.1, "most own speech a segment may hold to count as silent"),
    "min_words": Setting(1, "fewest transcript words in a segment that is judged"),
    "tolerance_seconds": Setting(0.3, "slack for the ASR words that belong to a segment"),
}


@rule("TR003", "transcript-without-speech", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"),
      settings=SETTINGS)
def transcript_without_speech(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """Transcript segments where this participant says nothing: ASR hears no words of theirs and the channel
    has (almost) no own speech.

    ## What it detects
    A transcript segment in a span that triage sent to ASR, in which ASR heard none of this channel's own words
    and acoustic own speech covers at most `max_speech_share` of the segment. Both must agree: ASR alone may
    miss quiet speech, activity alone may miss speech drowned by noise. Words the partner said, transcribed
    into this channel (echo words), are found too.

    ## Why it matters
    Invented or misplaced segments put words in a silent mouth: they corrupt text corpora, word timings and
    the turn-taking a dialogue model learns.

    ## Evidence
    `segments` (up to 10: span in audio seconds, text, own-speech share), `count`, `offset_seconds`, `asr_model`.

    ## Thresholds
    `max_speech_share`: most own speech a segment may hold to count as silent; `min_words`: fewest transcript
    words in a segment that is judged; `tolerance_seconds`: slack for the ASR words that belong to a segment.
    Skipped, with the reason, when ASR is off or cannot run.
    """
    asr = session_asr(session, ctx)
    asr.require()
    files = files_of(session)
    for channel in asr.channels.values():
        silent = []
        for check in checked_segments(channel, ctx.settings.tolerance_seconds):
            share = speech_share(channel.speech, check.segment.start, check.segment.end)
            if (len(check.reference) >= ctx.settings.min_words and not check.hypothesis
                    and share <= ctx.settings.max_speech_share):
                silent.append((check.segment, share))
        if not silent:
            continue
        yield ctx.report(
            files[channel.file_id], f"{channel.json_path}: {len(silent)} transcript segment(s) where this "
                                    "participant says nothing",
            path=channel.json_path, confidence=float(1.0 - np.mean([s for _, s in silent])),
            span=(min(s.start for s, _ in silent), max(s.end for s, _ in silent)),
            evidence={"count": len(silent), "offset_seconds": round(channel.offset, 3), "asr_model": asr.model,
                      "segments": [{"span": [round(s.start, 2), round(s.end, 2)],
                                    "text": s.text or " ".join(w.word for w in s.words),
                                    "speech_share": round(share, 3)} for s, share in silent[:10]]})
