from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.schema import NPZ_KEYS
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule


@rule("IN018", "missing-npz-keys", scope=Scope.FILE, severity=Severity.WARNING, reads=("npz",))
def missing_npz_keys(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """NPZ without some of the documented feature keys.

    ## What it detects
    Documented `<modality>:<feature>` keys absent from the NPZ. Unknown extra keys are not reported: a newer
    movement version with more feature types is rolling out.

    ## Why it matters
    Loaders that index a documented key crash on this file, or the file silently drops out of training.

    ## Evidence
    `missing` (keys), `present_count`.
    """
    if not pf.has("npz"):
        return
    present = set(pf.npz_keys())
    missing = [k for k in NPZ_KEYS if k not in present]
    if missing:
        yield ctx.report(pf, f"{pf.path('npz')}: {len(missing)} documented key(s) missing: {', '.join(missing[:5])}",
                         path=pf.path("npz"), evidence={"missing": missing, "present_count": len(present)})
