from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.batch import BatchIndex
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import index_problems


@rule("IN007", "malformed-file-id", scope=Scope.BATCH, severity=Severity.ERROR)
def malformed_file_id(index: BatchIndex, ctx: RuleContext) -> Iterator[Finding]:
    """File whose name is not a valid file id.

    ## What it detects
    A file or tar member in the batch whose name does not match `V<n>_S<n>_I<n>_P<n>.<ext>`.

    ## Why it matters
    The file cannot be paired with its partner or joined with the root tables, so every user loses it.

    ## Evidence
    `kind`, `reason`, and the path.
    """
    yield from index_problems(index, ctx, "file_id")
