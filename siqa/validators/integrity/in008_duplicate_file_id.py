from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.batch import BatchIndex
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import index_problems


@rule("IN008", "duplicate-file-id", scope=Scope.BATCH, severity=Severity.ERROR)
def duplicate_file_id(index: BatchIndex, ctx: RuleContext) -> Iterator[Finding]:
    """Same file id (and modality) stored twice in one batch.

    ## What it detects
    Two archives or folders of a batch holding the same `<file_id>.<ext>`. siqa audits the first copy.

    ## Why it matters
    Loaders keep one copy at random, and counts (hours, participants) are inflated.

    ## Evidence
    `kind`, `reason` (where both copies are), and the path.
    """
    yield from index_problems(index, ctx, "duplicate")
