from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import unreadable


@rule("IN001", "unreadable-wav", scope=Scope.FILE, severity=Severity.ERROR, reads=("wav",))
def unreadable_wav(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """WAV file that cannot be decoded.

    ## What it detects
    A participant's WAV whose header or data cannot be read: truncated files, headers that declare more data
    than the file holds, bytes that are not RIFF/WAVE, files over the size limit.

    ## Why it matters
    Every audio-based rule skips this file, and training code that loads it crashes or reads garbage.

    ## Evidence
    `modality`, `reason` (what the decoder reported), and the file path.
    """
    yield from unreadable(pf, ctx, "wav", pf.audio)
