"""Pictures of one channel, drawn server-side: waveform envelope, speech activity, transcript, flagged spans.

The page receives only geometry (numbers and the finding codes), drawn as inline SVG by a template macro: no
audio leaves the machine, the page needs no script to show it, and its size does not grow with the recording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WIDTH = 960
WAVE_HEIGHT = 72
ROW_HEIGHT = 10


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    label: str = ""


@dataclass(frozen=True)
class Picture:
    """One channel on the interaction's time axis, `WIDTH` pixels wide."""

    wave: str  # SVG polygon points of the min/max envelope
    activity: list[Band]  # VAD segments
    speech: list[Band]  # transcript segments
    flagged: list[Band]  # finding spans, labelled with their codes
    ticks: list[Band]  # x positions (width 0) labelled in seconds

    width: int = WIDTH
    wave_height: int = WAVE_HEIGHT
    row_height: int = ROW_HEIGHT

    @property
    def height(self) -> int:
        return self.wave_height + 3 * self.row_height + 8


def envelope(samples: np.ndarray, duration: float, timeline: float) -> str:
    """Min/max of each pixel column as one outline; the recording fills `duration` of `timeline` seconds."""
    if len(samples) == 0:
        return ""
    columns = max(1, min(len(samples), round(WIDTH * duration / timeline)))
    edges = np.linspace(0, len(samples), columns + 1).astype(int)[:-1]
    top = np.clip(np.maximum.reduceat(samples, edges), -1.0, 1.0)
    bottom = np.clip(np.minimum.reduceat(samples, edges), -1.0, 1.0)
    xs = np.arange(columns) * (WIDTH * duration / timeline / columns)
    middle = WAVE_HEIGHT / 2
    upper = [f"{x:.1f},{middle - v * middle:.1f}" for x, v in zip(xs, top)]
    lower = [f"{x:.1f},{middle - v * middle:.1f}" for x, v in zip(xs[::-1], bottom[::-1])]
    return " ".join(upper + lower)


def bands(spans: list[tuple[float, float, str]], timeline: float) -> list[Band]:
    """Time spans as pixel bands, at least one pixel wide so a short span stays visible."""
    scale = WIDTH / timeline
    out = []
    for start, end, label in spans:
        start, end = max(0.0, start), min(timeline, end)
        if end >= start:
            out.append(Band(round(start * scale, 1), round(max(1.0, (end - start) * scale), 1), label))
    return out


def ticks(timeline: float) -> list[Band]:
    """About eight round-numbered ticks (1, 2 or 5 times a power of ten seconds)."""
    raw = timeline / 8
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = int(timeline // step) + 1
    return [Band(round(i * step * WIDTH / timeline, 1), 0.0, f"{i * step:g} s") for i in range(count)]


def picture(samples: np.ndarray | None, duration: float, timeline: float, activity: list[tuple[float, float]],
            speech: list[tuple[float, float]], flagged: list[tuple[float, float, str]]) -> Picture:
    """A channel's picture; `samples` None draws the rows without a waveform (audio unreadable)."""
    timeline = max(timeline, 1e-3)
    return Picture(wave=envelope(samples, duration, timeline) if samples is not None else "",
                   activity=bands([(s, e, "") for s, e in activity], timeline),
                   speech=bands([(s, e, "") for s, e in speech], timeline),
                   flagged=bands(flagged, timeline), ticks=ticks(timeline))
