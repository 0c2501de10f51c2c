"""What `apply` reports: one outcome per fix over all the targets it touches."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from siqa.patches.model import PatchFix


class Status(str, enum.Enum):
    APPLIED = "applied"
    ALREADY = "already applied"
    REFUSED = "refused"
    CONFLICT = "conflict"
    SKIPPED = "not selected"
    DECLINED = "skipped by decision"  # selected, but not accepted in the `--decisions` file


_PRECEDENCE = {Status.SKIPPED: 0, Status.DECLINED: 1, Status.ALREADY: 2, Status.APPLIED: 3, Status.CONFLICT: 4,
               Status.REFUSED: 5}


@dataclass
class FixOutcome:
    fix_id: str
    code: str
    targets: list[str]
    status: Status
    reason: str = ""


@dataclass
class ApplyReport:
    outcomes: dict[str, FixOutcome] = field(default_factory=dict)
    diffs: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    def note(self, fix: PatchFix, target: str, status: Status, reason: str = "") -> None:
        """A fix's status over all its targets: the most severe wins (refused > conflict > applied > ...)."""
        outcome = self.outcomes.setdefault(fix.id, FixOutcome(fix.id, fix.code, [], status, reason))
        if target not in outcome.targets:
            outcome.targets.append(target)
        if _PRECEDENCE[status] > _PRECEDENCE[outcome.status]:
            outcome.status, outcome.reason = status, reason

    def counts(self) -> Counter[Status]:
        return Counter(o.status for o in self.outcomes.values())

    @property
    def failed(self) -> bool:
        return any(o.status in (Status.REFUSED, Status.CONFLICT) for o in self.outcomes.values())
