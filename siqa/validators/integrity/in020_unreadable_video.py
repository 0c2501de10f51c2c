from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import unreadable


@rule("IN020", "unreadable-video", scope=Scope.FILE, severity=Severity.ERROR, reads=("mp4",))
def unreadable_video(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """MP4 whose container or video stream cannot be read.

    ## What it detects
    A participant's MP4 that is not a readable container, has no video stream, or has no frames.

    ## Why it matters
    Video-based features cannot be recomputed and the file drops out of audio-visual training.

    ## Evidence
    `modality`, `reason`, and the file path.
    """
    yield from unreadable(pf, ctx, "mp4", pf.video_info)
