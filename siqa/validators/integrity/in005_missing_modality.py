from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "required": Setting(["wav", "mp4", "json", "npz"], "the modalities every participant file must have"),
}


@rule("IN005", "missing-modality", scope=Scope.FILE, severity=Severity.ERROR, settings=SETTINGS)
def missing_modality(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Participant file without one of the modalities a release must carry.

    ## What it detects
    A file id that has some of WAV, MP4, JSON and NPZ but not all those listed in `required`.

    ## Why it matters
    Multimodal training silently drops or misaligns the file; downstream loaders crash on the missing member.

    ## Evidence
    `missing` (modalities absent), `present`.

    ## Thresholds
    `required`: the modalities every file must have.
    """
    required = ctx.settings.required
    missing = [m for m in required if not pf.has(m)]
    if missing:
        present = sorted(m for m in required if pf.has(m))
        yield ctx.report(pf, f"{pf.file_id} has no {', '.join(missing)} (present: {', '.join(present) or 'none'})",
                         evidence={"missing": missing, "present": present})
