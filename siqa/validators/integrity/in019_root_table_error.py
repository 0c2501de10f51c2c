from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.batch import BatchIndex
from siqa.dataset.errors import TableError
from siqa.dataset.tables import TABLE_NAMES
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule


@rule("IN019", "root-table-error", scope=Scope.BATCH, severity=Severity.ERROR)
def root_table_error(index: BatchIndex, ctx: RuleContext) -> Iterator[Finding]:
    """Root table (interactions, participants, relationships, filelist) that cannot be used.

    ## What it detects
    A root CSV that is malformed (quoting errors, undecodable bytes) or lacks a required column under the column
    mapping of the rule set (`[tables.<name>.columns]`). Absent tables are not reported: they are optional.

    ## Why it matters
    Prompt, identity and relationship rules depend on these tables, and so does every user joining metadata.

    ## Evidence
    `table`, `reason` (names the file and the missing column).
    """
    for name in TABLE_NAMES:
        try:
            getattr(ctx.batch.tables, name)
        except TableError as error:
            yield ctx.report(index, str(error), path=f"{name}.csv", evidence={"table": name, "reason": str(error)})
