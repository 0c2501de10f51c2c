from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import Interaction, ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.mouth import Sync, file_sync
from siqa.validators.per_file import each_participant

SETTINGS = {
    "min_offset_frames": Setting(1.5, "smallest offset reported (video frames at 30 Hz: 1.5 is 50 ms)"),
    "min_confidence": Setting(0.5, "least confidence reported"),
}


@rule("AV001", "av-offset", scope=Scope.INTERACTION, severity=Severity.ERROR, reads=("wav", "npz"),
      settings=SETTINGS)
def av_offset(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """The participant's video is offset against their audio (the mouth moves before or after the voice).

    ## What it detects
    The lag between the mouth's opening (lip gap from the face keypoints, `boxes_and_keypoints:keypoints`,
    over the face's size) and the own-speech envelope of the WAV (RMS per video frame where the person
    speaks) that maximises their correlation, refined below a frame (docs/signals/mouth.md). Every file's
    offset is recorded as a metric (`av_offset_ms`) for per-site distributions; an offset of
    `min_offset_frames` or more with enough confidence is reported.

    ## Why it matters
    WAV and MP4 are separate files per participant, so nothing keeps them aligned. Lip-sync and audio-visual
    models trained on offset pairs learn that lips move before (or after) the sound they make.

    ## Evidence
    `offset_ms` and `offset_frames` (positive: the video lags the audio), `correlation` at that lag and
    `correlation_at_zero`, `runner_up` (best correlation away from the peak), `speech_seconds` (own speech
    with a tracked mouth that the estimate rests on).

    ## Thresholds
    `min_offset_frames`: smallest offset reported (in video frames at 30 Hz); `min_confidence`: least
    confidence reported. The estimator is configured under `[signals.mouth]`, including reference_offset_ms,
    the offset of recordings known to be in sync.
    """
    def compute(pf: ParticipantFile) -> Sync:
        return file_sync(pf, interaction.partner_of(pf), ctx)

    for pf, sync in each_participant(interaction.participants, compute):
        ctx.measure(pf, "av_offset_ms", sync.offset_ms)
        small = abs(sync.offset_frames) < ctx.settings.min_offset_frames
        if small or sync.confidence < ctx.settings.min_confidence:
            continue
        video = pf.path("mp4") if pf.has("mp4") else None
        direction = "lags" if sync.offset_frames > 0 else "leads"
        yield ctx.report(pf, f"{video or pf.file_id}: the mouth {direction} the speech by "
                             f"{abs(sync.offset_ms):.0f} ms ({abs(sync.offset_frames):.1f} frames)",
                         path=video, confidence=sync.confidence,
                         evidence={"offset_ms": round(sync.offset_ms, 1),
                                   "offset_frames": round(sync.offset_frames, 2),
                                   "correlation": round(sync.correlation, 3),
                                   "correlation_at_zero": round(sync.correlation_at_zero, 3),
                                   "runner_up": round(sync.runner_up, 3),
                                   "speech_seconds": round(sync.speech_seconds, 1)})
