from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.validators.moi.matching import named

SETTINGS = {
    "tolerance_seconds": Setting(0.1, "slack for windows at the audio's edges"),
}


@rule("MO003", "malformed-annotation", scope=Scope.FILE, severity=Severity.WARNING, reads=("json", "wav"),
      settings=SETTINGS)
def malformed_annotation(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """An `annotations:*` entry whose windows cannot be read, or whose windows are impossible.

    ## What it detects
    The annotation schema is not documented, so windows are located wherever they nest (`start`/`end`,
    `start_time`/`end_time`, `*_ms`, `onset`/`offset`, `[start, end]` pairs). Reported: an entry that is not
    a list or object, an item that is a bare value among window objects, an object with a start or end member
    but no numeric pair, an entry with no window at all, an unknown annotation type; and readable windows that
    end before they start or lie outside the audio (from the WAV header) by more than `tolerance_seconds`.

    ## Why it matters
    Loaders that trust the schema crash or silently drop these moments; the MOI rules cannot judge them.

    ## Evidence
    `problems` (up to 20 messages naming the entry and item), `count`, `audio_seconds`.

    ## Thresholds
    `tolerance_seconds`: slack for windows at the audio's edges.
    """
    if not pf.has("json"):
        return
    parsed = pf.meta().windows()
    try:
        duration = pf.audio_info().duration if pf.has("wav") else None
    except ReadError:
        duration = None  # IN001 reports the audio; the windows are still checked for shape and order
    tolerance = ctx.settings.tolerance_seconds
    problems = list(parsed.problems)
    for w in parsed.items:
        if w.end < w.start:
            problems.append(f"{named(w)} ends before it starts")
        elif w.start < -tolerance or (duration is not None and w.end > duration + tolerance):
            problems.append(f"{named(w)} lies outside the audio (0-{duration:.2f} s)" if duration is not None
                            else f"{named(w)} starts before 0")
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        yield ctx.report(pf, f"{pf.path('json')}: {problems[0]}{more}", path=pf.path("json"),
                         evidence={"problems": problems[:20], "count": len(problems),
                                   "audio_seconds": duration})
