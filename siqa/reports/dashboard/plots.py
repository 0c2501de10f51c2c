"""Charts drawn here as inline SVG: no chart library, no script, nothing to parse when a page opens.

Only summaries reach a page (one number per cell, bar or point, five per box), never the values behind them, so
a chart's size does not grow with the release beyond its labels. Every label from the data is escaped (the SVG
is markup inside an autoescaped page). Many batches are drawn as heat-map rows (a row per batch, a column per
family or site) rather than bars with hundreds of tick labels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

Series = dict[str, dict[str, float]]  # trace name -> {x: y}
PALETTE = ("#2f5fb3", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#087f5b", "#5c940d", "#e67700", "#1864ab",
           "#a61e4d")
WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 10, 40
MAX_TICKS = 12  # category labels drawn on an axis; the others are in each point's tooltip
CELL_HEIGHT, CELL_WIDTH, LABEL_WIDTH = 14, 64, 150


@dataclass(frozen=True)
class Chart:
    caption: str
    svg: Markup


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _svg(width: float, height: float, body: list[str], label: str, natural: bool = False) -> Markup:
    """`natural`: drawn at its own size (a heat map's cells stay readable), else as wide as its box."""
    size = f'width="{width:.0f}"' if natural else 'width="100%"'
    return Markup(f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" {size} role="img" '
                  f'aria-label="{escape(label)}">{"".join(body)}</svg>')


def _scale(low: float, high: float) -> tuple[float, float, list[float]]:
    """A range that holds [low, high] with round ticks."""
    if high <= low:
        high = low + 1.0
    step = 10 ** math.floor(math.log10((high - low) / 4))
    step *= next(m for m in (1, 2, 5, 10) if (high - low) / (step * m) <= 5)
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    return start, end, [start + i * step for i in range(round((end - start) / step) + 1)]


def _axes(low: float, high: float, categories: Sequence[str], y_title: str) -> tuple[list[str], Callable]:
    """Y grid and labels, every n-th category label; returns the marks and y(value) -> pixel."""
    bottom, plot_height = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    start, end, ticks = _scale(low, high)

    def y(value: float) -> float:
        return bottom - (value - start) / (end - start) * plot_height

    marks = [f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
             f'<text class="tick" x="{LEFT - 4}" y="{y(t) + 3:.1f}" text-anchor="end">{_number(t)}</text>'
             for t in ticks]
    marks.append(f'<text class="title" x="12" y="{TOP + plot_height / 2:.0f}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {TOP + plot_height / 2:.0f})">{escape(y_title)}</text>')
    every = max(1, math.ceil(len(categories) / MAX_TICKS))
    for i, name in enumerate(categories):
        if i % every == 0:
            marks.append(f'<text class="tick" x="{_x(i, len(categories)):.1f}" y="{bottom + 14}" '
                         f'text-anchor="middle">{escape(name[-14:])}</text>')
    return marks, y


def _x(index: int, count: int) -> float:
    band = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return LEFT + band * (index + 0.5)


def _legend(names: Sequence[str]) -> list[str]:
    return [f'<g class="legend"><rect x="{LEFT + 90 * i}" y="{HEIGHT - 12}" width="10" height="10" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{LEFT + 90 * i + 14}" y="{HEIGHT - 3}">'
            f'{escape(name[:12])}</text></g>' for i, name in enumerate(names)] if len(names) > 1 else []


def _finite(series: Series) -> list[float]:
    return [v for points in series.values() for v in points.values() if not math.isnan(v)]


def bars(caption: str, series: Series, x_title: str, y_title: str) -> Chart:
    """Grouped bars: one group per category (few: families, sites), one bar per trace."""
    categories = sorted({x for points in series.values() for x in points})
    names = sorted(series)
    values = _finite(series)
    marks, y = _axes(min(0.0, *values) if values else 0.0, max(values, default=1.0), categories, y_title)
    band = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    width = band * 0.8 / max(len(names), 1)
    for t, name in enumerate(names):
        for i, x in enumerate(categories):
            value = series[name].get(x, math.nan)
            if math.isnan(value):
                continue
            left = LEFT + band * (i + 0.1) + width * t
            top, base = sorted((y(value), y(0.0)))
            marks.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{base - top:.1f}" '
                         f'fill="{PALETTE[t % len(PALETTE)]}"><title>{escape(f"{name} · {x}: {_number(value)}")}'
                         f'</title></rect>')
    return Chart(caption, _svg(WIDTH, HEIGHT, marks + _legend(names), f"{caption} by {x_title}"))


def lines(caption: str, series: Series, x_title: str, y_title: str, from_zero: bool = True) -> Chart:
    """One line per trace over ordered categories (batches); a missing value breaks the line."""
    categories = sorted({x for points in series.values() for x in points})
    names = sorted(series)
    values = _finite(series)
    low = min(values, default=0.0)
    marks, y = _axes(min(0.0, low) if from_zero else low, max(values, default=1.0), categories, y_title)
    for t, name in enumerate(names):
        colour = PALETTE[t % len(PALETTE)]
        run: list[tuple[float, float]] = []
        for i, x in enumerate(categories):
            value = series[name].get(x, math.nan)
            if math.isnan(value):
                marks.append(_polyline(run, colour))
                run = []
                continue
            run.append((_x(i, len(categories)), y(value)))
            marks.append(f'<circle cx="{run[-1][0]:.1f}" cy="{run[-1][1]:.1f}" r="2.5" fill="{colour}">'
                         f'<title>{escape(f"{name} · {x}: {_number(value)}")}</title></circle>')
        marks.append(_polyline(run, colour))
    return Chart(caption, _svg(WIDTH, HEIGHT, marks + _legend(names), f"{caption} by {x_title}"))


def _polyline(points: list[tuple[float, float]], colour: str) -> str:
    if len(points) < 2:
        return ""
    return (f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
            f'points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in points)}"/>')


def boxes(caption: str, values: dict[str, list[float]], y_title: str) -> Chart:
    """One box per group from its quartiles, whiskers at min and max, a tick at the mean."""
    import numpy as np

    names = sorted(values)
    quartiles = {n: [float(q) for q in np.percentile(values[n], [0, 25, 50, 75, 100])] for n in names}
    low = min((q[0] for q in quartiles.values()), default=0.0)
    marks, y = _axes(low, max((q[4] for q in quartiles.values()), default=1.0), names, y_title)
    band = (WIDTH - LEFT - RIGHT) / max(len(names), 1)
    for i, name in enumerate(names):
        q, centre, half = quartiles[name], _x(i, len(names)), min(band * 0.3, 40)
        mean = float(np.mean(values[name]))
        tip = escape(f"{name}: min {_number(q[0])} · q1 {_number(q[1])} · median {_number(q[2])} · "
                     f"q3 {_number(q[3])} · max {_number(q[4])} · mean {_number(mean)}")
        marks.append(f'<g class="box"><title>{tip}</title>'
                     f'<line x1="{centre:.1f}" x2="{centre:.1f}" y1="{y(q[0]):.1f}" y2="{y(q[4]):.1f}"/>'
                     f'<rect x="{centre - half:.1f}" y="{y(q[3]):.1f}" width="{2 * half:.1f}" '
                     f'height="{max(y(q[1]) - y(q[3]), 1):.1f}"/>'
                     f'<line class="median" x1="{centre - half:.1f}" x2="{centre + half:.1f}" y1="{y(q[2]):.1f}" '
                     f'y2="{y(q[2]):.1f}"/><circle cx="{centre:.1f}" cy="{y(mean):.1f}" r="2"/></g>')
    return Chart(caption, _svg(WIDTH, HEIGHT, marks, f"{caption} per site"))


def heatmap(caption: str, cells: Mapping[tuple[str, str], float], rows: Sequence[str], columns: Sequence[str],
            text: Callable[[str, str, float], str] = lambda r, c, v: _number(v),
            href: Callable[[str, str], str | None] = lambda r, c: None) -> Chart:
    """A row per batch and a column per family (or site): each cell shaded by its value relative to the
    largest, labelled with `text`, and a link where `href` gives one; empty cells stay blank."""
    top = max((v for v in cells.values() if not math.isnan(v)), default=0.0) or 1.0
    width, height = LABEL_WIDTH + CELL_WIDTH * len(columns), CELL_HEIGHT * (len(rows) + 1) + 4
    marks = [f'<text class="tick" x="{LABEL_WIDTH + CELL_WIDTH * (j + 0.5):.0f}" y="{CELL_HEIGHT - 3}" '
             f'text-anchor="middle">{escape(c[:10])}</text>' for j, c in enumerate(columns)]
    for i, row in enumerate(rows):
        y = CELL_HEIGHT * (i + 1) + 2
        marks.append(f'<text class="tick" x="{LABEL_WIDTH - 4}" y="{y + CELL_HEIGHT - 4}" text-anchor="end">'
                     f'{escape(row[-24:])}</text>')
        for j, column in enumerate(columns):
            value = cells.get((row, column))
            if value is None or math.isnan(value):
                continue
            label = text(row, column, value)
            cell = (f'<rect class="cell" x="{LABEL_WIDTH + CELL_WIDTH * j + 1}" y="{y}" width="{CELL_WIDTH - 2}" '
                    f'height="{CELL_HEIGHT - 2}" style="--heat: {min(1.0, value / top):.3f}">'
                    f'<title>{escape(f"{row} · {column}: {label}")}</title></rect>'
                    f'<text class="value" x="{LABEL_WIDTH + CELL_WIDTH * (j + 0.5):.0f}" y="{y + CELL_HEIGHT - 4}" '
                    f'text-anchor="middle">{escape(label)}</text>')
            link = href(row, column)
            marks.append(f'<a href="{escape(link)}">{cell}</a>' if link else cell)
    return Chart(caption, _svg(width, height, marks, caption, natural=True))
