"""A finding's entry on an evidence page: its place (anchor), its decision key, its cause and its fix as a diff.

The entry carries what the review script needs to find it (`data-finding`, the key `siqa.decisions` stores a
decision under, and `data-fix`, the id `patches.jsonl` gives the fix), so a decision taken on the page applies
to the same finding and the same fix after `siqa apply --decisions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from siqa.decisions import finding_key
from siqa.findings import Finding
from siqa.reports.dashboard import links
from siqa.reports.dashboard.fixdiff import FixDiff, Targets, fix_diff


@dataclass
class Entry:
    finding: Finding
    number: int  # 1-based place on the page: `links.finding_anchor(number)`
    key: str  # `siqa.decisions.finding_key`
    cause: str | None  # where the root of a folded finding is shown
    fix: FixDiff | None
    zoom: Any = None  # the interaction page's evidence around the span (`interaction.Zoom`)

    @property
    def anchor(self) -> str:
        return links.finding_anchor(self.number)


def entries(findings: list[Finding], cause: Callable[[Finding], str | None], targets: Targets) -> list[Entry]:
    """The page's entries in page order (each root followed by the findings folded into it)."""
    return [Entry(f, number, finding_key(f), cause(f), fix_diff(f, targets))
            for number, f in enumerate(findings, 1)]
