from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.schema import FPS, VALIDITY_KEYS
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule


def media_durations(pf: ParticipantFile) -> dict[str, float]:
    """Duration of each readable medium: WAV header, NPZ frame count at 30 Hz, MP4 frames over fps."""
    durations: dict[str, float] = {}
    if pf.has("wav"):
        durations["wav"] = pf.audio_info().duration
    if pf.has("npz"):
        arrays = pf.features(*VALIDITY_KEYS)
        if arrays:
            durations["npz"] = max(len(a) for a in arrays.values()) / FPS
    if pf.has("mp4"):
        try:
            durations["mp4"] = pf.video_info().duration
        except ReadError:
            pass  # IN020 reports it; the other media can still be compared
    return durations


SETTINGS = {
    "tolerance_seconds": Setting(0.1, "largest difference accepted (a frame or two of rounding is normal)"),
}


@rule("IN010", "duration-mismatch", scope=Scope.FILE, severity=Severity.ERROR, reads=("wav", "npz", "mp4"),
      settings=SETTINGS)
def duration_mismatch(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """WAV, NPZ frame count and MP4 disagree on the file's duration.

    ## What it detects
    The WAV duration (from its header), the NPZ duration (frames at 30 Hz) and the MP4 duration (frames over
    frame rate) differ by more than the tolerance. Transcript and VAD times beyond the audio are reported per
    segment by IN015.

    ## Why it matters
    Features and audio drift apart: a model trained on the pair learns from misaligned frames, increasingly so
    towards the end of the file.

    ## Evidence
    `durations` (seconds per medium), `max_difference`.

    ## Thresholds
    `tolerance_seconds`: the largest difference accepted (a frame or two of rounding is normal).
    """
    durations = media_durations(pf)
    if len(durations) < 2:
        return
    spread = max(durations.values()) - min(durations.values())
    tolerance = ctx.settings.tolerance_seconds
    if spread > tolerance:
        listing = ", ".join(f"{k} {v:.2f}s" for k, v in sorted(durations.items()))
        yield ctx.report(pf, f"{pf.file_id}: durations disagree by {spread:.2f}s ({listing})",
                         confidence=min(1.0, spread / (4 * tolerance)),
                         evidence={"durations": durations, "max_difference": spread})
