from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np

from siqa.asr.backend import AsrBackend, AsrSettings
from siqa.asr.factory import load_backend
from siqa.asr.signal import ChannelAsr, session_asr
from siqa.asr.triage import CALIBRATION, EVERYTHING, speech_share
from siqa.config import RuleSettings
from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile, Session
from siqa.findings import Scope, Severity
from siqa.norms import Candidate, norm_settings
from siqa.registry import Setting, rule
from siqa.signals.audio import ANALYSIS_RATE, at_analysis_rate
from siqa.signals.lexicon import content_words
from siqa.validators.transcript.compare import SegmentCheck, checked_segments, files_of, word_errors

FLOOR = "asr_calibration_implausibility"
SAMPLED = (CALIBRATION, EVERYTHING)  # spans ASR ran on whatever their suspicion: ordinary speech
Judged = list[tuple[SegmentCheck, dict[str, Any]]]

SETTINGS = {
    **norm_settings(unit="nats per token", tolerance=3.0, min_effect=2.0, min_units=12, fallback_high=3.0),
    "screen_wer": Setting(0.15, "a segment is scored only when ASR's words disagree with it this much "
                                "(confident WER)"),
    "sure_probability": Setting(0.5, "ASR probability from which a word weighs fully"),
    "min_words": Setting(4, "shortest segment judged (a backchannel's WER says little)"),
    "tolerance_seconds": Setting(0.3, "slack around a segment for the ASR words that belong to it"),
}


@rule("TR001", "transcript-vs-speech", scope=Scope.SESSION, severity=Severity.WARNING, reads=("wav", "json"),
      version=3, settings=SETTINGS)
def transcript_vs_speech(session: Session, ctx: RuleContext) -> Iterator[Candidate]:
    """Transcript segments whose words are not what was said: ASR finds them far less plausible, over the audio
    they lie on, than its own words, further than it ever does on ordinary speech of the same site.

    ## What it detects
    For every transcript segment in a span that triage sent to ASR (see `docs/asr.md`), the provided transcript
    aligned word by word (jiwer) with what ASR heard there over this channel's own speech, both normalised
    (case, punctuation, fillers such as `mm` or `uh`), and its *confident* word error rate: each disagreement
    weighs ASR's probability of its words, and nothing where the transcript's words fit the conversation and
    ASR's do not. Times are compared after removing the file's global offset (TS001 reports that).

    A small model mishears ordinary speech ("a small dog could sleep" as "a small non coops sleeping"), far more
    for some voices, accents and rooms than others: on clean speech with natural variation the bundled tiny model
    reaches a confident WER of 0.6, as high as a segment with half its words replaced. The WER cannot tell the
    two apart; the model can. Each segment that disagrees enough to matter (`screen_wer`) is scored by forcing
    the model to read the transcript over the segment's audio (teacher forcing, the same pass faster-whisper
    uses for word timestamps) and, likewise, ASR's own words: the *implausibility* is how many nats per token
    less likely the transcript is than what ASR heard. Misheard speech stays plausible (the transcript is
    what was said, just not what the model chose: under 1.6 nats on the benchmark's hard voices); words that
    were not said are not (5.5 to 9 nats). A segment ASR heard nothing in is left to TR003.

    The file's least plausible segment is judged against ASR's own floor: the implausibility of the same site's
    calibration sample (segments triage drew at random, not for suspicion; every segment when `--asr-budget
    1.0` transcribes everything), and reported when it lies further above that sample's median than `tolerance`
    robust spreads and `min_effect`.

    ## Why it matters
    A transcript that disagrees with the audio teaches ASR and dialogue models words that were never said, and
    misplaces every word-level timing derived from it.

    ## Evidence
    `segments` (up to 10, least plausible first, every scored segment: span in audio seconds,
    `implausibility`, `confident_wer`, the plain `wer` and `cer`, the `reference` and `hypothesis` words, the
    word `alignment` as [operation, transcript words, ASR words], why triage chose the span); the first is the
    one judged. `checked` (segments judged), `offset_seconds`, `asr_model`, and under `norm` the floor: the
    calibration sample's median and spread, the deviation and threshold, how many calibration segments, and
    whether the site's, the batch's or the fallback limit decided. Metrics for per-site tables: `asr_seconds`
    (audio sent to ASR, per channel), `asr_wer` (the channel's plain WER over its judged segments),
    `asr_calibration_wer` and `asr_calibration_confident_wer` (on the calibration sample: what triage would
    miss), and `asr_calibration_implausibility` (the floor).

    ## Thresholds
    `tolerance` (robust spreads) and `min_effect` (nats per token; 2 is a transcript e² ≈ 7 times less likely
    per token than ASR's words) above the floor's median. `min_units`: calibration segments needed for a
    floor, the site's, else the batch's; a random 3% of a channel's unsuspicious segments, so the default 12
    take some 15 to 30 minutes of a site's channels. Smaller sites share the batch's floor, and a batch with
    fewer calibration segments is judged against `fallback_high`, an absolute implausibility stated in the
    evidence. `screen_wer`: the confident WER from which a segment is scored (scoring costs an encoder pass
    per segment; agreeing segments cannot be findings). `sure_probability`: ASR probability from which a word
    weighs fully; `min_words`: shortest segment judged (a backchannel says little); `tolerance_seconds`: slack
    around a segment for the ASR words that belong to it, and around its audio when it is scored. Skipped,
    with the reason, when ASR is off (`--asr none`) or cannot run (the ASR extra or the model missing).
    """
    asr = session_asr(session, ctx)
    asr.require()
    files = files_of(session)
    backend = load_backend(AsrSettings.from_dict(ctx.signal_settings("asr", session.site)))
    for channel in asr.channels.values():
        pf = files[channel.file_id]
        if channel.checked:
            ctx.measure(pf, "asr_seconds", channel.asr_seconds)
        judged = _judge_segments(channel, ctx.settings)
        if not judged:
            continue
        _implausibility(backend, pf, ctx, judged)
        _measure(ctx, pf, judged)
        scored = [(c, e) for c, e in judged if not math.isnan(e.get("implausibility", math.nan))
                  and e["confident_wer"] >= ctx.settings.screen_wer]
        if scored:
            yield _candidate(ctx, pf, channel, scored, len(judged), asr.model)


def _judge_segments(channel: ChannelAsr, settings: RuleSettings) -> Judged:
    """Every checked segment long enough to judge, with its error rates."""
    sure = settings.sure_probability
    return [(c, word_errors(c, speech_share(channel.speech, c.segment.start, c.segment.end),
                            channel.context - Counter(content_words(" ".join(c.reference))), sure))
            for c in checked_segments(channel, settings.tolerance_seconds)
            if len(c.reference) >= settings.min_words]


def _implausibility(backend: AsrBackend, pf: ParticipantFile, ctx: RuleContext, judged: Judged) -> None:
    """How much worse the transcript explains the audio than ASR's own words do, in nats per token, for the
    segments that could be findings and for the calibration sample (the floor): a mishearing leaves the
    transcript nearly as plausible as what ASR chose, words that were not said are far less plausible."""
    wanted = [(c, e) for c, e in judged if c.hypothesis
              and (e["confident_wer"] >= ctx.settings.screen_wer or c.why in SAMPLED)]
    if not wanted:
        return
    audio = at_analysis_rate(pf, ctx.signals)
    pad = ctx.settings.tolerance_seconds
    clips = [audio[int(max(c.segment.start - pad, 0.0) * ANALYSIS_RATE):int((c.segment.end + pad) * ANALYSIS_RATE)]
             for c, _ in wanted]
    scores = backend.plausibility(clips, [(" ".join(c.reference), " ".join(c.hypothesis)) for c, _ in wanted])
    for (_, errors), (said, heard) in zip(wanted, scores):
        errors["implausibility"] = round(max(heard - said, 0.0), 3)


def _measure(ctx: RuleContext, pf: ParticipantFile, judged: Judged) -> None:
    """The channel's plain WER, and the calibration segments' WERs and implausibility (the floor)."""
    words = sum(len(c.reference) for c, _ in judged)
    ctx.measure(pf, "asr_wer", sum(e["wer"] * len(c.reference) for c, e in judged) / words)
    for check, errors in judged:
        if check.why in SAMPLED:
            ctx.measure(pf, "asr_calibration_wer", errors["wer"])
            ctx.measure(pf, "asr_calibration_confident_wer", errors["confident_wer"])
            if "implausibility" in errors:
                ctx.measure(pf, FLOOR, errors["implausibility"])


def _candidate(ctx: RuleContext, pf: ParticipantFile, channel: ChannelAsr, scored: Judged, checked: int,
               model: str) -> Candidate:
    """The file's least plausible segment, to be judged against the site's floor."""
    ranked = sorted(scored, key=lambda item: (-item[1]["implausibility"], item[0].segment.start))
    worst, errors = ranked[0]
    value = errors["implausibility"]
    # the confidence a fallback verdict keeps (a floor sets its own): 0.5 at the limit, 1.0 two nats above
    confidence = float(np.clip(0.5 + (value - ctx.settings.fallback_high) / 4, 0.5, 1.0))
    return ctx.candidate(
        pf, f"{channel.json_path}: transcript segment at {worst.segment.start:.1f}-{worst.segment.end:.1f} s "
            f"is not what was said (ASR finds its words {value:.1f} nats per token less plausible than what it "
            f"heard; confident WER {errors['confident_wer']:.2f}; {checked} segments checked)",
        metric="implausibility", value=value, side="high", label="implausibility of ASR's calibration sample",
        unit_name="nats/token", reference=FLOOR, path=channel.json_path, confidence=confidence,
        span=(worst.segment.start, worst.segment.end),
        evidence={"checked": checked, "offset_seconds": round(channel.offset, 3), "asr_model": model,
                  "segments": [{"span": [round(c.segment.start, 2), round(c.segment.end, 2)],
                                "reference": " ".join(c.reference), "hypothesis": " ".join(c.hypothesis),
                                "checked_because": c.why, **e}
                               for c, e in ranked[:10]]})
