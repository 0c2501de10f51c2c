from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule
from siqa.validators.moi.matching import judged_windows, named

SETTINGS = {
    "min_window_seconds": Setting(0.5, "shorter windows are not judged (a fraction of a second of calm "
                                       "proves little)"),
    "min_confidence": Setting(0.3, "least confidence reported"),
}


@rule("MO002", "window-without-behaviour", scope=Scope.INTERACTION, severity=Severity.WARNING,
      reads=("json", "npz", "wav"), settings=SETTINGS)
def window_without_behaviour(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """A moment-of-interest window where the participant shows no behaviour at all (displaced or spurious).

    ## What it detects
    A window of an `annotations:*` entry that no behaviour event matches: no run of high activity on the
    participant's behaviour curve (docs/signals/behaviour.md) covers at least `min_overlap_share` of it
    (`[signals.moi]`), although the activity is known over most of the window. The window was placed at the
    wrong time, or marks nothing.

    ## Why it matters
    A displaced window teaches a model that a calm stretch is a laugh; a spurious one adds a label for
    behaviour that never happened. Both are the MOI noise the dataset's owners report.

    ## Evidence
    `annotation`, `label`, `window` ([start, end], seconds), `peak_activity` (highest activity inside, in the
    curve's units; events reach `high` of `[signals.behaviour]`), `typical_event_peak` (the median peak of
    the participant's behaviour events in the file), `known_share`, `nearest_event` (the closest behaviour
    event: its bounds and how far it lies from the window, or null), `curve` (activity from a second before
    to a second after the window, 0.1 s steps).

    ## Thresholds
    `min_window_seconds`: shorter windows are not judged (a fraction of a second of calm proves little);
    `min_confidence`: least confidence reported. The confidence is the share of known frames times how far
    the window's peak activity stays below the participant's typical event peak (or, without events, the
    curve's high level).
    """
    high = ctx.signal_settings("behaviour", interaction.site)["high"]
    for pf, behaviour, match in judged_windows(interaction, ctx):
        window = match.window
        if match.events or window.end - window.start < ctx.settings.min_window_seconds:
            continue
        typical = max(high, float(np.median([e.peak for e in behaviour.events])) if behaviour.events else high)
        confidence = float(np.clip(1 - max(match.peak, 0.0) / typical, 0.1, 1.0)) * match.known_share
        if confidence < ctx.settings.min_confidence:
            continue
        distance = [(max(e.start - window.end, window.start - e.end, 0.0), e) for e in behaviour.events]
        nearest = min(distance, key=lambda d: d[0], default=None)
        yield ctx.report(
            pf, f"{pf.path('json')}: {named(window)}{f' ({window.label})' if window.label else ''} marks "
                f"no behaviour: the participant's activity peaks at {match.peak:.1f} there (their behaviour "
                f"reaches {typical:.1f})",
            path=pf.path("json"), confidence=confidence, span=(window.start, window.end),
            evidence={**match.evidence(), "typical_event_peak": round(typical, 2),
                      "curve": behaviour.around(window.start, window.end),
                      "nearest_event": None if nearest is None else {
                          "behaviour": [round(nearest[1].start, 3), round(nearest[1].end, 3)],
                          "distance_seconds": round(nearest[0], 3)}})
