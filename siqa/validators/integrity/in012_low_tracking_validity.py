from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.schema import FPS, VALIDITY_KEYS
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.signals.frames import row_flags


def longest_run(mask: np.ndarray) -> tuple[int, int]:
    """Start and length of the longest run of True in `mask` ((0, 0) when there is none)."""
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    if len(edges) == 0:
        return 0, 0
    starts, ends = edges[::2], edges[1::2]
    best = int(np.argmax(ends - starts))
    return int(starts[best]), int(ends[best] - starts[best])


SETTINGS = {
    "min_valid_ratio": Setting(0.5, "smallest acceptable share of valid tracking frames"),
}


@rule("IN012", "low-tracking-validity", scope=Scope.FILE, severity=Severity.WARNING, reads=("npz",),
      settings=SETTINGS)
def low_tracking_validity(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Tracking lost or participant out of frame for much of the file.

    ## What it detects
    The share of frames marked valid in `boxes_and_keypoints:is_valid_box`, `movement:is_valid` or
    `smplh:is_valid` below the threshold. The span is the longest invalid stretch.

    ## Why it matters
    Face, body and motion features of invalid frames are filler; sites differ in how often participants leave
    the frame, and a model trained on them learns the filler.

    ## Evidence
    `valid_ratio` per key, `longest_invalid_seconds`.

    ## Thresholds
    `min_valid_ratio`: the smallest acceptable share of valid frames.
    """
    if not pf.has("npz"):
        return
    minimum = ctx.settings.min_valid_ratio
    for key, flags in sorted(pf.features(*VALIDITY_KEYS).items()):
        if len(flags) == 0:
            continue
        valid = row_flags(flags)
        ratio = float(valid.mean())
        if ratio < minimum:
            start, length = longest_run(~valid)
            yield ctx.report(pf, f"{pf.path('npz')}: {key} valid in {ratio:.0%} of frames (minimum {minimum:.0%})",
                             path=pf.path("npz"), confidence=min(1.0, (minimum - ratio) / minimum + 0.5),
                             span=(start / FPS, (start + length) / FPS),
                             evidence={"key": key, "valid_ratio": ratio, "longest_invalid_seconds": length / FPS})
