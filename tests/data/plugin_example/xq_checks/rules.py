"""Checks of our curation team."""

from collections import defaultdict
from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.release import ReleaseContext, ReleaseView

SECONDS = "xq.seconds"  # the channel XQ901 collects each file's duration on, for XQ902

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
    ctx.collect(SECONDS, {"participant_id": pf.file_id.participant_id, "seconds": float(seconds)})
    if seconds < ctx.settings.min_seconds:
        yield ctx.report(pf, f"only {seconds:.1f} s of audio (at least {ctx.settings.min_seconds} s wanted)",
                         evidence={"seconds": round(float(seconds), 3)})


@rule("XQ902", "too-little-per-person", scope=Scope.RELEASE, severity=Severity.WARNING, reads=(SECONDS,),
      requires=("XQ901",), settings={"min_minutes": Setting(10.0, "least audio per participant (minutes)")})
def too_little_per_person(release: ReleaseView, ctx: ReleaseContext) -> Iterator[Finding | None]:
    """A participant with too little audio in the whole release for a per-person model.

    ## What it detects
    A participant id whose recordings, summed over every batch audited, last under `min_minutes`.

    ## Evidence
    `participant_id`, `minutes`, `files`.

    ## Thresholds
    `min_minutes`: the least audio per participant.
    """
    seconds: dict[str, list[float]] = defaultdict(list)
    for record in release.collected(SECONDS):
        seconds[record["participant_id"]].append(record["seconds"])
    limit = ctx.settings().min_minutes
    for participant, durations in sorted(seconds.items()):
        minutes = sum(durations) / 60
        if minutes < limit:
            yield ctx.report(f"{participant} has {minutes:.1f} min of audio in the release ({limit} wanted)",
                             evidence={"participant_id": participant, "minutes": round(minutes, 3),
                                       "files": len(durations)})
