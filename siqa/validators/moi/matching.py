"""Annotation windows against behaviour events: the events each window matches, and whether it can be judged.

Shared by MO001 (a window that covers only part of its behaviour) and MO002 (a window with no behaviour).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.meta import Window
from siqa.dataset.schema import FPS
from siqa.dataset.units import Interaction, ParticipantFile
from siqa.signals.behaviour import Behaviour, Event, file_behaviour
from siqa.validators.per_file import each_participant


@dataclass(frozen=True)
class Match:
    window: Window
    events: list[Event]  # events covering at least `min_overlap_share` of the window
    known_share: float  # share of the window's frames whose activity is known
    peak: float  # highest activity inside the window (NaN when none is known)

    def evidence(self) -> dict[str, Any]:
        w = self.window
        return {"annotation": w.annotation, "label": w.label, "window": [round(w.start, 3), round(w.end, 3)],
                "known_share": round(self.known_share, 3),
                "peak_activity": round(self.peak, 2) if np.isfinite(self.peak) else None}


def named(window: Window) -> str:
    """How messages name a window: its annotation entry and times."""
    return f"annotations:{window.annotation} window {window.start:.2f}-{window.end:.2f} s"


def overlap(event: Event, window: Window) -> float:
    return max(0.0, min(event.end, window.end) - max(event.start, window.start))


def match(window: Window, behaviour: Behaviour, min_overlap_share: float) -> Match:
    first, last = max(0, int(round(window.start * FPS))), max(0, int(round(window.end * FPS)))
    inside = behaviour.curve[first:last]
    frames = max(1, last - first)
    known = np.isfinite(inside)
    needed = min_overlap_share * (window.end - window.start)
    events = [e for e in behaviour.events if overlap(e, window) >= needed]
    peak = float(inside[known].max()) if known.any() else np.nan
    return Match(window, events, float(known.sum() / frames), peak)


def annotated_windows(pf: ParticipantFile) -> list[Window]:
    """The file's windows of positive length (MO003 reports the others, IN002 an unreadable JSON)."""
    if not pf.has("json"):
        return []
    try:
        return [w for w in pf.meta().windows().items if w.end > w.start]
    except ReadError:
        return []


def judged_windows(interaction: Interaction, ctx: RuleContext
                   ) -> Iterator[tuple[ParticipantFile, Behaviour, Match]]:
    """Every window of every participant that can be judged: positive length and enough frames of known
    activity. Skip when no annotated file has a behaviour curve."""
    settings = ctx.signal_settings("moi", interaction.site)
    windows = {pf.file_id: annotated_windows(pf) for pf in interaction.participants}
    annotated = [pf for pf in interaction.participants if windows[pf.file_id]]
    def compute(pf: ParticipantFile) -> Behaviour:
        return file_behaviour(pf, interaction.partner_of(pf), ctx)

    for pf, behaviour in each_participant(annotated, compute):
        for window in windows[pf.file_id]:
            found = match(window, behaviour, settings["min_overlap_share"])
            if found.known_share >= settings["min_known_share"]:
                yield pf, behaviour, found
