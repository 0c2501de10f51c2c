from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext, Skip
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "max_drift_frames": Setting(2.0, "largest difference accepted (video frames; rounding leaves under one)"),
}


@rule("AV002", "frame-drift", scope=Scope.FILE, severity=Severity.ERROR, reads=("wav", "mp4"),
      settings=SETTINGS)
def frame_drift(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """The MP4's frame count does not match the audio's duration at the video's frame rate.

    ## What it detects
    `video_frames - audio_seconds x fps` (the frames the video has beyond, or short of, what the WAV's
    duration implies at the MP4's declared rate) beyond `max_drift_frames`. A constant rate mismatch makes
    audio and video drift apart along the file, to the `end_offset_ms` reported at its end; IN010 reports the
    raw duration disagreement between media.

    ## Why it matters
    A video recorded or re-encoded at a slightly different rate than declared stays in sync at the start and
    not at the end: lip-sync degrades over the file, and every frame index computed from audio time is off.

    ## Evidence
    `video_frames`, `fps`, `audio_seconds`, `expected_frames`, `drift_frames`, `drift_ratio` (extra frames
    over expected), `implied_fps` (frames over audio duration), `end_offset_ms`.

    ## Thresholds
    `max_drift_frames`: the largest difference accepted (rounding leaves under a frame).
    """
    if not (pf.has("wav") and pf.has("mp4")):
        raise Skip(f"{pf.file_id}: needs both the WAV and the MP4")
    video, seconds = pf.video_info(), pf.audio_info().duration
    expected = seconds * video.fps
    drift = video.frames - expected
    limit = ctx.settings.max_drift_frames
    if abs(drift) <= limit or expected <= 0:
        return
    ratio = drift / expected
    yield ctx.report(pf, f"{pf.path('mp4')}: {video.frames} frames where {seconds:.2f} s of audio at "
                         f"{video.fps:g} fps make {expected:.0f} ({drift:+.0f} frames, {ratio:+.1%})",
                     path=pf.path("mp4"), confidence=min(1.0, abs(drift) / (2 * limit)),
                     evidence={"video_frames": video.frames, "fps": video.fps,
                               "audio_seconds": round(seconds, 3),
                               "expected_frames": round(expected, 1), "drift_frames": round(drift, 1),
                               "drift_ratio": round(ratio, 4),
                               "implied_fps": round(video.frames / seconds, 3),
                               "end_offset_ms": round(drift / video.fps * 1000, 1)})
