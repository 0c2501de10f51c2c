from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from siqa.context import RuleContext
from siqa.dataset.meta import Window
from siqa.dataset.units import Interaction, ParticipantFile
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.ops import format_pointer
from siqa.registry import Setting, rule
from siqa.validators.moi.matching import judged_windows, named


def _member(node: Any, token: str) -> Any:
    return node[int(token)] if isinstance(node, list) else node[token]


def extension_fix(pf: ParticipantFile, window: Window, start: float, end: float) -> Fix:
    """Replace the window's start and/or end member with the extended time, in the member's unit and type."""
    node = pf.meta().raw
    for token in window.path:
        node = _member(node, token)
    operations = []
    for key, seconds, old in zip(window.keys, (start, end), (window.start, window.end)):
        if seconds != old:
            value = round(seconds / window.scale, 3)
            operations.append({"op": "replace", "path": format_pointer((*window.path, key)),
                               "value": int(round(value)) if isinstance(_member(node, key), int) else value})
    return Fix(Applicability.UNSAFE, pf.path("json"), operations,
               f"extend the {named(window)} to {start:.2f}-{end:.2f} s, the behaviour's extent")


SETTINGS = {
    "max_extension_seconds": Setting(0.5, "how far the behaviour may continue beyond a window unreported"),
    "min_confidence": Setting(0.3, "least confidence reported"),
}


@rule("MO001", "window-misses-behaviour", scope=Scope.INTERACTION, severity=Severity.WARNING,
      reads=("json", "npz", "wav"), settings=SETTINGS)
def window_misses_behaviour(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """A moment-of-interest window that covers only part of the behaviour it marks.

    ## What it detects
    For every window of every `annotations:*` entry: the behaviour events (runs of high activity on the
    participant's behaviour curve, see docs/signals/behaviour.md) that overlap the window, and how far they
    continue before its start or after its end. Reported when the behaviour extends beyond the window by more
    than `max_extension_seconds` on either side.

    ## Why it matters
    The dataset's owners report MOI windows that hold only part of the annotated behaviour. A model trained on
    the window learns the onset of a laugh without its peak, or a nod cut in half.

    ## Evidence
    `annotation`, `label`, `window` and `behaviour` ([start, end], seconds), `extension_before_seconds`,
    `extension_after_seconds`, `proposed` (the extended window), `event_peak` and `peak_activity` (activity in
    the curve's units), `known_share` (share of the window's frames with known activity), `curve` (the
    activity curve from a second before to a second after, in 0.1 s steps).

    ## Fix
    Moves the window's start and/or end (whichever side the behaviour overflows) to the behaviour's bounds, in
    the entry's own keys and unit: unsafe, the curve's edges are estimates (a few frames) and the annotator
    may have meant only part of the behaviour.

    ## Thresholds
    `max_extension_seconds`: how far the behaviour may continue beyond the window unreported;
    `min_confidence`: least confidence reported. Matching is configured under `[signals.moi]`, the curve under
    `[signals.behaviour]`.
    """
    limit = ctx.settings.max_extension_seconds
    for pf, behaviour, match in judged_windows(interaction, ctx):
        if not match.events:
            continue  # MO002's case
        window = match.window
        first, last = min(e.start for e in match.events), max(e.end for e in match.events)
        before, after = window.start - first, last - window.end
        if max(before, after) <= limit:
            continue
        start = first if before > limit else window.start
        end = last if after > limit else window.end
        confidence = min(1.0, max(before, after) / (2 * limit)) * match.known_share
        if confidence < ctx.settings.min_confidence:
            continue
        sides = " and ".join(f"{amount:.2f} s {side} it"
                             for amount, side in ((before, "before"), (after, "after")) if amount > limit)
        yield ctx.report(
            pf, f"{pf.path('json')}: {named(window)} covers only part of the behaviour at "
                f"{first:.2f}-{last:.2f} s ({sides})",
            path=pf.path("json"), confidence=confidence, span=(start, end),
            fix=extension_fix(pf, window, start, end),
            evidence={**match.evidence(), "behaviour": [round(first, 3), round(last, 3)],
                      "extension_before_seconds": round(before, 3),
                      "extension_after_seconds": round(after, 3),
                      "proposed": [round(start, 3), round(end, 3)],
                      "event_peak": round(max(e.peak for e in match.events), 2),
                      "curve": behaviour.around(window.start, window.end)})
