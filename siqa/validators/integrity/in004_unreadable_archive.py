from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.batch import BatchIndex
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import index_problems


@rule("IN004", "unreadable-archive", scope=Scope.BATCH, severity=Severity.ERROR)
def unreadable_archive(index: BatchIndex, ctx: RuleContext) -> Iterator[Finding]:
    """Tar archive that is truncated or corrupt, or holds a member siqa refuses to read.

    ## What it detects
    Truncated or corrupt tars (members before the damage are still audited), and unsafe members: absolute paths,
    `..` components, links, device files, directories, names that are not `<file_id>.<ext>`, duplicate members.
    siqa never extracts tars, so such members are reported and skipped, never written anywhere.

    ## Why it matters
    Files after the damage are lost to users; unsafe members can overwrite files of whoever extracts the tar.

    ## Evidence
    `kind`, `reason`, and the archive path (`archive.tar:member` for a member).
    """
    yield from index_problems(index, ctx, "archive")
