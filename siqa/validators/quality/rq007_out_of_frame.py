from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.schema import FPS
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.frames import row_flags
from siqa.validators.integrity.in012_low_tracking_validity import longest_run

BOX_KEY = "boxes_and_keypoints:is_valid_box"


SETTINGS = {
    "max_out_seconds": Setting(3.0, "longest stretch without a valid face box accepted (seconds)"),
}


@rule("RQ007", "out-of-frame", scope=Scope.FILE, severity=Severity.INFO, reads=("npz",), settings=SETTINGS)
def out_of_frame(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Participant out of frame for a long stretch (face box lost).

    ## What it detects
    The longest run of frames without a valid face box (`boxes_and_keypoints:is_valid_box`) beyond
    `max_out_seconds`. Recorded as the `valid_box_ratio` metric per file, for per-site framing statistics; IN012
    reports files where tracking is lost for most of the time.

    ## Why it matters
    Sites differ in how often participants stay in frame; long gaps break face- and gesture-based models.

    ## Evidence
    `out_seconds` (longest stretch), `valid_box_ratio`.

    ## Thresholds
    `max_out_seconds`.
    """
    flags = pf.features(BOX_KEY).get(BOX_KEY)
    if flags is None or len(flags) == 0:
        return
    valid = row_flags(flags)
    ctx.measure(pf, "valid_box_ratio", float(valid.mean()))
    start, length = longest_run(~valid)
    if length / FPS > ctx.settings.max_out_seconds:
        yield ctx.report(pf, f"{pf.path('npz')}: participant out of frame for {length / FPS:.1f} s",
                         path=pf.path("npz"), span=(start / FPS, (start + length) / FPS),
                         evidence={"out_seconds": round(length / FPS, 2),
                                   "valid_box_ratio": round(float(valid.mean()), 3)})
