from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import unreadable


@rule("IN003", "unreadable-npz", scope=Scope.FILE, severity=Severity.ERROR, reads=("npz",))
def unreadable_npz(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """NPZ feature file that cannot be read safely.

    ## What it detects
    A corrupt zip, a member that fails its CRC or is truncated, a member whose declared size is beyond the
    reader's limit (zip bomb), and object arrays or pickles, which siqa refuses to load (`allow_pickle` is never
    enabled: unpickling runs code from the file).

    ## Why it matters
    Motion, face and body features of this file cannot be used, and a pickled NPZ is a security risk to every
    user who loads it with `allow_pickle=True`.

    ## Evidence
    `modality`, `reason`, and the file path.
    """
    yield from unreadable(pf, ctx, "npz", lambda: pf.features(*pf.npz_keys()))
