from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

import numpy as np

from siqa.asr.triage import CALIBRATION, EVERYTHING, speech_share
from siqa.config import RuleSettings
from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile, Session
from siqa.findings import Scope, Severity
from siqa.norms import Candidate
from siqa.registry import rule
from siqa.signals.asr import ChannelAsr, session_asr
from siqa.signals.lexicon import content_words
from siqa.validators.transcript.compare import SegmentCheck, checked_segments, files_of, word_errors

FLOOR = "asr_calibration_confident_wer"
SAMPLED = (CALIBRATION, EVERYTHING)  # spans ASR ran on whatever their suspicion: ordinary speech
Judged = list[tuple[SegmentCheck, dict[str, Any]]]


@rule("TR001", "transcript-vs-speech", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"),
      version=2)
def transcript_vs_speech(session: Session, ctx: RuleContext) -> Iterator[Candidate]:
    """Transcript segments whose words are not what was said: ASR disagrees with them far more than it
    disagrees with ordinary speech of the same site.

    ## What it detects
    For every transcript segment in a span that triage sent to ASR (see `docs/asr.md`), the provided transcript
    aligned word by word (jiwer) with what ASR heard there over this channel's own speech, both normalised
    (case, punctuation, fillers such as `mm` or `uh`), and its *confident* word error rate: each disagreement
    counts as far as ASR can be trusted on it. A substituted or inserted word weighs ASR's probability of it;
    a disagreement weighs nothing where every content word on the transcript's side fits the conversation (it
    occurs elsewhere in the interaction or in its prompt) and none on ASR's side does, and on function words
    alone (`could`/`can`): a small model mishears words into ones nobody in the interaction uses. A transcript
    word ASR did not hear weighs the segment's lack of own speech (over speech ASR missed it; over silence it
    was never said). Times are compared after removing the file's global offset (TS001 reports that).

    Even so a small model mishears ordinary speech ("cook pasta" as "look faster"), more at some sites (accents,
    rooms, microphones) than at others. So a file's worst segment is judged against ASR's own error floor: the
    confident WER of the same site's calibration sample (segments triage drew at random, not for suspicion;
    every segment when `--asr-budget 1.0` transcribes everything), and reported only when it lies further above
    that sample's median than `tolerance` robust spreads and `min_effect`. Each segment is compared with single
    calibration segments, so the worst one decides whether any segment of the file clearly exceeds the floor.

    ## Why it matters
    A transcript that disagrees with the audio teaches ASR and dialogue models words that were never said, and
    misplaces every word-level timing derived from it.

    ## Evidence
    `segments` (up to 10, worst first, every checked segment with some confident disagreement: span in audio
    seconds, `confident_wer`, the plain `wer` and `cer`, the `reference` and `hypothesis` words, the word
    `alignment` as [operation, transcript words, ASR words], why triage chose the span); the first is the one
    judged. `checked` (segments judged), `offset_seconds`, `asr_model`, and under `norm` the floor: the
    calibration sample's median and spread, the deviation and threshold, how many calibration segments, and
    whether the site's, the batch's or the fallback limit decided. Metrics for per-site tables: `asr_seconds`
    (audio sent to ASR, per channel), `asr_wer` (the channel's plain WER over its judged segments),
    `asr_calibration_wer` (plain WER on the calibration sample: what triage would miss) and
    `asr_calibration_confident_wer` (the floor).

    ## Thresholds
    `tolerance` (robust spreads) and `min_effect` (confident WER) above the floor's median. The measure is
    bounded (a segment wholly wrong scores about 1.0), so the default is 2 spreads, not 3: where the model
    mishears much (median 0.26, spread 0.35 on noisy synthetic rooms) 3 spreads would put even a wholly wrong
    segment out of reach, 2 still lie beyond 97% of ordinary segments for normal data. `min_units`:
    calibration segments needed for a floor, the site's, else the batch's. The sample is small: a random 3% of
    a channel's unsuspicious segments (the ASR calibration fraction), roughly one segment per one to two minutes
    of a channel's audio, so the default 12 take some 15 to 30 minutes of a site's channels in the batch.
    Smaller sites share the batch's floor, and a batch with fewer calibration segments is judged against
    `fallback_high`, an absolute confident WER stated in the evidence: roughly a typical floor (the bundled
    model's median on clean synthetic speech is 0.01 to 0.1) plus `min_effect`, below the 0.45 to 0.6 of a
    segment with half its words wrong: a limit above that would never find a substitution in a small batch. It
    knows no site: where the model mishears much (accents, fast talk, noisy rooms; up to 0.7 on clean speech
    with natural variation) only a floor separates mishearing from a wrong transcript, so judge such sites
    with a floor (a larger batch, or `--asr-budget 1.0` to sample every segment).
    `sure_probability`: ASR probability from which a word weighs fully; `min_words`: shortest segment judged
    (a backchannel's WER says little); `tolerance_seconds`: slack around a segment for the ASR words that
    belong to it. Skipped, with the reason, when ASR is off (`--asr none`) or cannot run (the ASR extra or the
    model missing).
    """
    asr = session_asr(session, ctx)
    asr.require()
    files = files_of(session)
    for channel in asr.channels.values():
        pf = files[channel.file_id]
        if channel.checked:
            ctx.measure(pf, "asr_seconds", channel.asr_seconds)
        judged = _judge_segments(channel, ctx.settings)
        if judged:
            _measure(ctx, pf, judged)
            yield _candidate(ctx, pf, channel, judged, asr.model)


def _judge_segments(channel: ChannelAsr, settings: RuleSettings) -> Judged:
    """Every checked segment long enough to judge, with its error rates."""
    sure = settings.get("sure_probability")
    return [(c, word_errors(c, speech_share(channel.speech, c.segment.start, c.segment.end),
                            channel.context - Counter(content_words(" ".join(c.reference))), sure))
            for c in checked_segments(channel, settings.get("tolerance_seconds"))
            if len(c.reference) >= settings.get("min_words")]


def _measure(ctx: RuleContext, pf: ParticipantFile, judged: Judged) -> None:
    """The channel's plain WER, and the calibration segments' WERs: plain, and confident (the floor)."""
    words = sum(len(c.reference) for c, _ in judged)
    ctx.measure(pf, "asr_wer", sum(e["wer"] * len(c.reference) for c, e in judged) / words)
    for check, errors in judged:
        ctx.measure(pf, "asr_segment_confident_wer", errors["confident_wer"])
        if check.why in SAMPLED:
            ctx.measure(pf, "asr_calibration_wer", errors["wer"])
            ctx.measure(pf, FLOOR, errors["confident_wer"])


def _candidate(ctx: RuleContext, pf: ParticipantFile, channel: ChannelAsr, judged: Judged,
               model: str) -> Candidate:
    """The file's worst segment, to be judged against the site's floor."""
    ranked = sorted(judged, key=lambda item: (-item[1]["confident_wer"], item[0].segment.start))
    worst, errors = ranked[0]
    value = errors["confident_wer"]
    # the confidence a fallback verdict keeps (a floor sets its own): 0.5 at the limit, 1.0 half a WER above
    confidence = float(np.clip(0.5 + value - ctx.settings.values.get("fallback_high", value), 0.5, 1.0))
    return ctx.candidate(
        pf, f"{channel.json_path}: transcript segment at {worst.segment.start:.1f}-{worst.segment.end:.1f} s "
            f"disagrees with speech (confident WER {value:.2f}, the worst of {len(judged)} checked)",
        metric="confident_wer", value=value, side="high", label="confident WER of ASR's calibration sample",
        reference=FLOOR, path=channel.json_path, confidence=confidence,
        span=(worst.segment.start, worst.segment.end),
        evidence={"checked": len(judged), "offset_seconds": round(channel.offset, 3), "asr_model": model,
                  "segments": [{"span": [round(c.segment.start, 2), round(c.segment.end, 2)],
                                "reference": " ".join(c.reference), "hypothesis": " ".join(c.hypothesis),
                                "checked_because": c.why, **e}
                               for c, e in ranked[:10] if e["confident_wer"] > 0]})
