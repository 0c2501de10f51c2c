"""Moments of interest: behaviour events per participant, and the annotation windows that mark them."""

from __future__ import annotations

from typing import Any

import numpy as np

from siqa.dataset.schema import ANNOTATION_TYPES

LABELS = ("laughs", "nods", "frowns", "leans in", "smiles", "looks away")


def behaviour_events(duration: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Two or three non-overlapping events of 1.5-3.5 s, at least 1.5 s apart."""
    events: list[tuple[float, float]] = []
    for _ in range(40):
        if len(events) == 3:
            break
        length = float(rng.uniform(1.5, 3.5))
        start = float(rng.uniform(0.5, max(0.6, duration - length - 0.5)))
        if all(start > e + 1.5 or start + length + 1.5 < s for s, e in events):
            events.append((round(start, 3), round(start + length, 3)))
    return sorted(events)


def annotate(events: list[tuple[float, float]], rng: np.random.Generator) -> dict[str, Any]:
    """Every annotation type, with windows on the events; two schemas as real annotations vary."""
    out: dict[str, Any] = {}
    for kind in ANNOTATION_TYPES:
        if kind == "3P-V":
            out[f"annotations:{kind}"] = [{"start_time": s, "end_time": e, "label": str(rng.choice(LABELS))}
                                          for s, e in events]
        else:
            out[f"annotations:{kind}"] = [{"start": s, "end": e, "label": str(rng.choice(LABELS))} for s, e in events]
    return out
