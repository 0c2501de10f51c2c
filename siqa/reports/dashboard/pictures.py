"""Pictures of one channel, drawn server-side as geometry for an inline SVG (templates/evidence.html).

From top to bottom: one lane per rule code with each finding's span (its sub-spans drawn as they are, over a
faint hull) linking to the finding's entry, the waveform envelope, a spectrogram band (an image beside the
page), speech activity, transcript segments, words at their times, and a time axis. One lane per code keeps a
long recording with many findings readable: spans of one rule share a row, and no span hides another's.

The same picture is drawn for the whole interaction and, zoomed, for the window around each finding, where the
words are written out. A page holds many pictures (two per finding), so each is kept to a few kilobytes
whatever the recording's length: the envelope is one path of short strokes, one per two pixels at most, with
integer heights; each row of bands (speech activity, segments, words) is one path; only what a curator reads
or clicks (spans, written-out words) is an element of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

WIDTH = 960
GUTTER = 48  # the lane labels, left of the time axis
LANE_HEIGHT = 12
WAVE_HEIGHT = 64
SPECTRUM_HEIGHT = 40
ROW_HEIGHT = 8
LABEL_ROW = 11  # a row of written-out words
CHAR_WIDTH = 5.5  # of the 9 px labels, to keep written words apart
MIN_LABEL_WIDTH = 34.0  # a span this wide carries its code in the lane too
PIXELS_PER_COLUMN = 2  # of the waveform envelope: half the points of one per pixel, no visible difference


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    label: str = ""  # text drawn at x ("" for none)
    title: str = ""  # tooltip
    href: str = ""  # where a click leads (a finding's entry)
    row: int = 0  # of a written-out word: which of the two label rows


@dataclass(frozen=True)
class Mark:
    """A finding's place in a picture: its span, its sub-spans (evidence `spans`) and its entry on the page."""

    code: str
    start: float
    end: float
    anchor: str
    title: str
    parts: tuple[tuple[float, float], ...] = ()
    current: bool = False  # the finding a zoomed picture is about


@dataclass
class Lane:
    code: str
    spans: list[Band] = field(default_factory=list)  # findings' spans
    hulls: list[Band] = field(default_factory=list)  # spans of findings drawn by their parts
    parts: list[Band] = field(default_factory=list)  # their sub-spans
    current: list[Band] = field(default_factory=list)  # the span of the finding a zoomed picture is about


@dataclass(frozen=True)
class Window:
    start: float
    end: float

    @property
    def scale(self) -> float:
        return WIDTH / max(self.end - self.start, 1e-3)

    def x(self, seconds: float) -> float:
        return round(min(WIDTH, max(0.0, (seconds - self.start) * self.scale)), 1)

    def band(self, start: float, end: float, label: str = "", title: str = "", href: str = "") -> Band | None:
        """A time span as a band at least one pixel wide (a short span stays visible); None outside."""
        if end < self.start or start > self.end or end < start:
            return None
        x = self.x(start)
        return Band(x, round(max(1.0, self.x(end) - x), 1), label, title, href)


@dataclass(frozen=True)
class Picture:
    wave: str  # SVG path of the min/max envelope (`envelope`)
    lanes: list[Lane]
    activity: list[Band]  # VAD segments
    speech: list[Band]  # transcript segments
    words: list[Band]  # each word; labelled (written out, hover for its times) in zoomed pictures
    ticks: list[Band]  # x positions (width 0) labelled in seconds
    spectrogram: str | None = None  # the band's image, relative to the page
    spectrum_width: float = WIDTH  # the part of the window the recording covers
    labelled: bool = False  # words written out, on two alternating rows

    width: int = WIDTH
    gutter: int = GUTTER
    lane_height: int = LANE_HEIGHT
    wave_height: int = WAVE_HEIGHT
    spectrum_height: int = SPECTRUM_HEIGHT
    row_height: int = ROW_HEIGHT
    column: int = PIXELS_PER_COLUMN

    @property
    def rows(self) -> list[tuple[str, int, str]]:
        """(class, top, path) of the rows drawn as one path each: speech activity, segments, words."""
        return [("vad", self.vad_y, row_path(self.activity)), ("speech", self.speech_y, row_path(self.speech)),
                ("word", self.words_y, row_path(self.words, gap=0.3))]

    @property
    def labels(self) -> list[Band]:
        return [b for b in self.words if b.label]

    @property
    def wave_y(self) -> int:
        return len(self.lanes) * LANE_HEIGHT + 2

    @property
    def spectrum_y(self) -> int:
        return self.wave_y + WAVE_HEIGHT

    @property
    def vad_y(self) -> int:
        return self.spectrum_y + SPECTRUM_HEIGHT + 2

    @property
    def speech_y(self) -> int:
        return self.vad_y + ROW_HEIGHT + 2

    @property
    def words_y(self) -> int:
        return self.speech_y + ROW_HEIGHT + 2

    @property
    def axis_y(self) -> int:
        return self.words_y + ROW_HEIGHT + (2 * LABEL_ROW if self.labelled else 0) + 2

    @property
    def height(self) -> int:
        return self.axis_y + 14


def envelope(samples: np.ndarray, rate: int, window: Window) -> str:
    """Min/max of each column (PIXELS_PER_COLUMN pixels wide) over the part of the window the recording
    covers, as an SVG path of vertical strokes drawn PIXELS_PER_COLUMN thick: each stroke a relative move and a
    length in whole pixels, silent columns left out."""
    first = max(0, round(window.start * rate))
    last = min(len(samples), round(window.end * rate))
    if last <= first or rate <= 0:
        return ""
    piece = samples[first:last]
    left, right = window.x(first / rate), window.x(last / rate)
    columns = max(1, min(len(piece), round((right - left) / PIXELS_PER_COLUMN)))
    edges = np.linspace(0, len(piece), columns + 1).astype(int)[:-1]
    middle = WAVE_HEIGHT / 2
    tops = np.rint(middle - np.clip(np.maximum.reduceat(piece, edges), -1.0, 1.0) * middle).astype(int)
    bottoms = np.rint(middle - np.clip(np.minimum.reduceat(piece, edges), -1.0, 1.0) * middle).astype(int)
    xs = np.round(left + (np.arange(columns) + 0.5) * ((right - left) / columns), 1)
    strokes, at = [], None  # where the last stroke ended
    for x, top, bottom in zip(xs.tolist(), tops.tolist(), bottoms.tolist()):
        if bottom <= top:
            continue
        strokes.append(f"M{x:g} {top}" if at is None else f"m{_g(x - at[0])} {top - at[1]}")
        strokes.append(f"v{bottom - top}")
        at = (x, bottom)
    return "".join(strokes)


def _g(value: float) -> str:
    """A coordinate rounded to a tenth of a pixel, as short as it writes."""
    return f"{round(value, 1):g}"


def row_path(bands: list[Band], gap: float = 0.0) -> str:
    """Bands as one SVG path of horizontal strokes (drawn a row high, on the row's middle line), each shortened
    by `gap` pixels where it is wide enough, so that touching bands (words) stay apart."""
    return "".join(f"M{b.x:g} 0h{_g(b.width - gap if b.width > 2 * gap + 1 else b.width)}" for b in bands)


def ticks(window: Window) -> list[Band]:
    """About eight round-numbered ticks (1, 2 or 5 times a power of ten seconds)."""
    length = max(window.end - window.start, 1e-3)
    raw = length / 8
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(window.start / step - 1e-9)
    count = int((window.end - first * step) // step) + 1
    return [Band(window.x((first + i) * step), 0.0, f"{(first + i) * step:g} s") for i in range(count)]


def lanes(marks: list[Mark], window: Window) -> list[Lane]:
    """One lane per rule code (in code order) with findings inside the window, holding their spans."""
    out = []
    for code in sorted({m.code for m in marks}):
        lane = Lane(code)
        for mark in (m for m in marks if m.code == code):
            shown = (min(mark.end, window.end) - max(mark.start, window.start)) * window.scale
            band = window.band(mark.start, mark.end, label=code if shown >= MIN_LABEL_WIDTH else "",
                               title=mark.title, href=mark.anchor)
            if band is None:
                continue
            parts = [b for s, e in mark.parts
                     if (b := window.band(s, e, title=f"{code} {s:.2f}–{e:.2f} s", href=mark.anchor))]
            (lane.current if mark.current else lane.hulls if parts else lane.spans).append(band)
            lane.parts += parts
        if lane.spans or lane.hulls or lane.current:
            out.append(lane)
    return out


def word_bands(words: list[tuple[float, float, str]], window: Window, labelled: bool) -> list[Band]:
    """Each word as a band with its text as tooltip; written out (on two alternating rows, where it fits)
    when `labelled`."""
    out: list[Band] = []
    row_ends = [-math.inf, -math.inf]
    for number, (start, end, text) in enumerate(words):
        band = window.band(start, end, title=f"{text} {start:.2f}–{end:.2f} s")
        if band is None:
            continue
        row = number % 2
        if labelled and band.x >= row_ends[row]:
            row_ends[row] = band.x + len(text) * CHAR_WIDTH + 3
            band = Band(band.x, band.width, text, band.title, row=row)
        out.append(band)
    return out


def picture(samples: np.ndarray | None, rate: int, window: Window, marks: list[Mark],
            activity: list[tuple[float, float]], speech: list[tuple[float, float]],
            words: list[tuple[float, float, str]], spectrogram: str | None = None, spectrum_width: float = WIDTH,
            labelled: bool = False) -> Picture:
    """A channel's picture over `window`; `samples` None draws the rows without a waveform (audio unreadable)."""
    return Picture(wave=envelope(samples, rate, window) if samples is not None else "",
                   lanes=lanes(marks, window),
                   activity=[b for s, e in activity if (b := window.band(s, e))],
                   speech=[b for s, e in speech if (b := window.band(s, e))],
                   words=word_bands(words, window, labelled), ticks=ticks(window),
                   spectrogram=spectrogram, spectrum_width=spectrum_width, labelled=labelled)
