from __future__ import annotations

from collections import Counter
from typing import Iterator

import numpy as np

from siqa.asr.triage import speech_share
from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.signals.asr import session_asr
from siqa.signals.lexicon import content_words
from siqa.validators.transcript.compare import checked_segments, files_of, word_errors


@rule("TR001", "transcript-vs-speech", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"))
def transcript_vs_speech(session: Session, ctx: RuleContext) -> Iterator[Finding]:
    """Transcript segments whose words are not what was said, by the word error rate against ASR.

    ## What it detects
    For every transcript segment in a span that triage sent to ASR (see `docs/asr.md`), the provided transcript
    aligned word by word (jiwer) with what ASR heard there over this channel's own speech, both normalised
    (case, punctuation, fillers such as `mm` or `uh`). A segment is reported when its *confident* word error
    rate exceeds the limit: each disagreement counts as far as ASR can be trusted on it. A substituted or
    inserted word weighs ASR's probability of it; a disagreement weighs nothing where
    every content word on the transcript's side fits the conversation (it occurs elsewhere in the interaction
    or in its prompt) and none on ASR's side does, and on function words alone (`could`/`can`): a small model
    mishears words into ones nobody in the interaction uses. A transcript word ASR did not hear weighs the
    segment's lack of own speech (over speech ASR missed it; over silence it was never said). Times are
    compared after removing the file's global offset (TS001 reports that).

    ## Why it matters
    A transcript that disagrees with the audio teaches ASR and dialogue models words that were never said, and
    misplaces every word-level timing derived from it.

    ## Evidence
    `segments` (up to 10: span in audio seconds, `confident_wer`, the plain `wer` and `cer`, the `reference`
    and `hypothesis` words, the word `alignment` as [operation, transcript words, ASR words], why triage chose
    the span), `count`, `checked` (segments judged), `offset_seconds`, `asr_model`. Metrics for per-site tables:
    `asr_seconds` (audio sent to ASR, per channel), `asr_wer` (the channel's plain WER over its judged segments)
    and `asr_calibration_wer` (plain WER on the random calibration sample: what triage would miss, and what the
    model gets wrong on clean speech).

    ## Thresholds
    `max_wer`: the highest confident WER accepted; `sure_probability`: ASR probability from which a word
    weighs fully; `min_words`: shortest segment judged (a backchannel's WER says little); `tolerance_seconds`:
    slack around a segment for the ASR words that belong to it. Skipped, with the reason, when ASR is off
    (`--asr none`) or cannot run (the ASR extra or the model missing).
    """
    asr = session_asr(session, ctx)
    asr.require()
    files = files_of(session)
    max_wer, min_words, sure = (ctx.settings.get(n) for n in ("max_wer", "min_words", "sure_probability"))
    for channel in asr.channels.values():
        pf = files[channel.file_id]
        if channel.checked:
            ctx.measure(pf, "asr_seconds", channel.asr_seconds)
        judged = [(c, word_errors(c, speech_share(channel.speech, c.segment.start, c.segment.end),
                                  channel.context - Counter(content_words(" ".join(c.reference))), sure))
                  for c in checked_segments(channel, ctx.settings.get("tolerance_seconds"))
                  if len(c.reference) >= min_words]
        if not judged:
            continue
        errors = sum(e["wer"] * len(c.reference) for c, e in judged) / sum(len(c.reference) for c, _ in judged)
        ctx.measure(pf, "asr_wer", errors)
        for check, error in judged:
            if check.why == "calibration":
                ctx.measure(pf, "asr_calibration_wer", error["wer"])
        bad = [(c, e) for c, e in judged if e["confident_wer"] > max_wer]
        if not bad:
            continue
        worst = max(e["confident_wer"] for _, e in bad)
        yield ctx.report(
            pf, f"{channel.json_path}: {len(bad)} of {len(judged)} checked transcript segment(s) disagree with "
                f"speech (confident WER up to {worst:.2f}, limit {max_wer})",
            path=channel.json_path, confidence=float(np.clip(0.5 + worst - max_wer, 0.5, 1.0)),
            span=(min(c.segment.start for c, _ in bad), max(c.segment.end for c, _ in bad)),
            evidence={"count": len(bad), "checked": len(judged), "offset_seconds": round(channel.offset, 3),
                      "asr_model": asr.model,
                      "segments": [{"span": [round(c.segment.start, 2), round(c.segment.end, 2)],
                                    "reference": " ".join(c.reference), "hypothesis": " ".join(c.hypothesis),
                                    "checked_because": c.why, **e} for c, e in bad[:10]]})
