from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.energy import SILENCE_DBFS, file_dbfs

SETTINGS = {
    "frame_seconds": Setting(0.03, "frame length for levels"),
    "speech_above_floor_db": Setting(15.0, "level over the channel's own noise floor counted as possible "
                                           "speech (dB)"),
    "floor_percentile": Setting(10.0, "the noise floor: this percentile of the audible frames' levels"),
    "min_loud_ratio": Setting(0.05, "share of loud frames that means the channel has speech"),
    "max_silent_loud_ratio": Setting(0.002, "share of loud frames under which VAD speech is contradicted"),
    "min_vad_seconds": Setting(1.0, "VAD total that counts as claiming speech"),
}


@rule("IN014", "vad-audio-disagreement", scope=Scope.FILE, severity=Severity.ERROR, reads=("wav", "json"), version=2,
      settings=SETTINGS)
def vad_audio_disagreement(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Empty VAD on audio that has speech, or VAD speech on audio that has none.

    ## What it detects
    A whole-file contradiction between `metadata:vad` and the audio level: no VAD segment although a share of
    frames is loud enough to be speech, or VAD segments although (almost) no frame is. Loud enough means
    `speech_above_floor_db` over the channel's own noise floor (a low percentile of its frame levels above
    digital silence), not a fixed level: a quiet speaker in a quiet room is speech, a hissing dead microphone is
    not. The finer, frame-level comparison of VAD with acoustic speech is a timing rule.

    ## Why it matters
    Users reported silent audio with an empty VAD list; the reverse, an empty VAD on good audio, silently drops
    the participant's speech from every VAD-driven pipeline.

    ## Evidence
    `vad_segments`, `vad_seconds`, `floor_dbfs`, `loud_ratio` (share of frames that loud).

    ## Thresholds
    `frame_seconds`, `speech_above_floor_db` (level over the floor counted as possible speech),
    `floor_percentile`, `min_loud_ratio` (share of loud frames
    that means the channel has speech), `max_silent_loud_ratio` (share under which VAD speech is contradicted),
    `min_vad_seconds` (VAD total that counts as claiming speech).
    """
    if not (pf.has("wav") and pf.has("json")) or not pf.meta().has_vad:
        return
    segments = pf.meta().vad().items
    vad_seconds = float(sum(max(0.0, s.end - s.start) for s in segments))
    levels = file_dbfs(pf, ctx, ctx.settings.frame_seconds)
    if levels.size == 0:
        return
    audible = levels[levels > SILENCE_DBFS]
    floor = float(np.percentile(audible, ctx.settings.floor_percentile)) if audible.size else SILENCE_DBFS
    loud_ratio = float(np.mean(levels > floor + ctx.settings.speech_above_floor_db))
    evidence = {"vad_segments": len(segments), "vad_seconds": vad_seconds, "floor_dbfs": round(floor, 2),
                "loud_ratio": loud_ratio}
    duration = pf.audio_info().duration
    if not segments and loud_ratio >= ctx.settings.min_loud_ratio:
        yield ctx.report(pf, f"{pf.path('json')}: empty VAD, but {loud_ratio:.0%} of the audio is loud enough "
                             "to be speech", path=pf.path("json"), span=(0.0, duration), evidence=evidence,
                         confidence=min(1.0, 0.5 + loud_ratio))
    elif vad_seconds >= ctx.settings.min_vad_seconds and loud_ratio <= ctx.settings.max_silent_loud_ratio:
        yield ctx.report(pf, f"{pf.path('json')}: VAD marks {vad_seconds:.1f}s of speech, but the audio is silent",
                         path=pf.path("json"), span=(0.0, duration), evidence=evidence)
