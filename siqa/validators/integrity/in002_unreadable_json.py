from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import unreadable


@rule("IN002", "unreadable-json", scope=Scope.FILE, severity=Severity.ERROR, reads=("json",))
def unreadable_json(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Metadata JSON that cannot be parsed.

    ## What it detects
    A participant's JSON (transcript, VAD, annotations) that is not UTF-8, not valid JSON, not a JSON object,
    nested beyond the reader's depth limit, or over the size limit.

    ## Why it matters
    Transcripts, VAD and moments of interest of this file are lost to every user and to every rule.

    ## Evidence
    `modality`, `reason` (the parser's message with its position), and the file path.
    """
    yield from unreadable(pf, ctx, "json", pf.meta)
