"""Checks of our curation team."""

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "min_seconds": Setting(30.0, "shortest usable recording (seconds)"),
}


@rule("XQ901", "too-short", scope=Scope.FILE, severity=Severity.WARNING, reads=("wav",), settings=SETTINGS)
def too_short(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Recording shorter than a usable interaction.

    ## What it detects
    A participant's audio shorter than `min_seconds`.

    ## Evidence
    `seconds`: the recording's duration.

    ## Thresholds
    `min_seconds`: the shortest usable recording.
    """
    seconds = pf.audio_info().duration
    if seconds < ctx.settings.min_seconds:
        yield ctx.report(pf, f"only {seconds:.1f} s of audio (at least {ctx.settings.min_seconds} s wanted)",
                         evidence={"seconds": round(float(seconds), 3)})
