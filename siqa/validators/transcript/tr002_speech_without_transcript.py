from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.asr.backend import AsrWord
from siqa.asr.signal import session_asr
from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.lexicon import words_tokens
from siqa.validators.transcript.compare import files_of, uncovered_words


def _runs(words: list[AsrWord], max_gap: float) -> list[list[AsrWord]]:
    runs: list[list[AsrWord]] = []
    for word in words:
        if runs and word.start - runs[-1][-1].end <= max_gap:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


SETTINGS = {
    "min_words": Setting(2, "fewest words in a run that is reported"),
    "max_gap_seconds": Setting(1.0, "longest pause inside one run"),
    "tolerance_seconds": Setting(0.3, "slack around transcript segments"),
}


@rule("TR002", "speech-without-transcript", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"),
      settings=SETTINGS)
def speech_without_transcript(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """Speech of this participant that no transcript segment covers: ASR hears words the transcript lacks.

    ## What it detects
    In the spans triage sent to ASR, runs of ASR words over this channel's own speech (the partner's voice heard
    through bleed does not count) that fall outside every transcript segment, even with `tolerance_seconds` of
    slack: a dropped segment, a segment cut short, or a channel whose transcript stops early. Files without any
    transcript are not judged (the transcript is optional in the release).

    ## Why it matters
    Untranscribed speech is lost to every text-based use of the data, and silently turns speech into "silence"
    for models that learn turn-taking from transcripts.

    ## Evidence
    `runs` (up to 10: span in audio seconds, the words ASR heard, their mean probability), `words` (total),
    `offset_seconds` (the file's offset removed first), `asr_model`.

    ## Thresholds
    `min_words`: fewest words in a run that is reported; `max_gap_seconds`: longest pause inside one run;
    `tolerance_seconds`: slack around transcript segments. Skipped, with the reason, when ASR is off or cannot run.
    """
    asr = session_asr(session, ctx)
    asr.require()
    files = files_of(session)
    for channel in asr.channels.values():
        if not channel.has_transcript:
            continue
        uncovered = uncovered_words(channel, ctx.settings.tolerance_seconds)
        runs = [r for r in _runs(uncovered, ctx.settings.max_gap_seconds)
                if len(words_tokens(w.word for w in r)) >= ctx.settings.min_words]
        if not runs:
            continue
        count = sum(len(r) for r in runs)
        probability = float(np.mean([w.probability for r in runs for w in r]))
        yield ctx.report(
            files[channel.file_id], f"{channel.json_path}: {count} spoken word(s) in {len(runs)} stretch(es) have "
                                    "no transcript",
            path=channel.json_path, confidence=float(np.clip(probability, 0.3, 1.0)),
            span=(runs[0][0].start, runs[-1][-1].end),
            evidence={"words": count, "offset_seconds": round(channel.offset, 3), "asr_model": asr.model,
                      "runs": [{"span": [round(r[0].start, 2), round(r[-1].end, 2)],
                                "text": " ".join(w.word for w in r),
                                "probability": round(float(np.mean([w.probability for w in r])), 3)}
                               for r in runs[:10]]})
