from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule


@rule("IN006", "not-a-dyad", scope=Scope.INTERACTION, severity=Severity.ERROR)
def not_a_dyad(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Interaction that does not pair exactly two participant files.

    ## What it detects
    An interaction key shared by one participant file (the partner is missing from the batch) or by three or
    more (an id typo put a file of another interaction here).

    ## Why it matters
    Every dyadic rule (bleed, identity, turn-taking) and every dyadic model assumes exactly two channels.

    ## Evidence
    `participants` (the file ids found), `count`.
    """
    ids = [str(p.file_id) for p in interaction.participants]
    if len(ids) != 2:
        yield ctx.report(interaction, f"{interaction.key} has {len(ids)} participant file(s), expected 2",
                         evidence={"participants": ids, "count": len(ids)})
