"""Plotly figures as plain JSON specs; the page hands them to the local plotly.js.

Only summaries reach a page (one number per bar or point, five per box), never the values behind them, so a
figure's size does not grow with the release. A figure's caption is page text (escaped by the template);
plotly reads its own labels as a small HTML dialect, so labels from the data are escaped for it first.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

Series = dict[str, dict[str, float]]  # trace name -> {x: y}
Figure = dict[str, Any]

_LAYOUT = {"height": 320, "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
           "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
           "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def label(text: str) -> str:
    return html.escape(text, quote=False)


def _figure(caption: str, data: list[dict[str, Any]], x_title: str, y_title: str, from_zero: bool,
            **layout: Any) -> Figure:
    x_axis = {"title": {"text": x_title}, "type": "category", "automargin": True}
    y_axis = {"title": {"text": label(y_title)}, "rangemode": "tozero" if from_zero else "normal",
              "automargin": True}
    return {"caption": caption, "data": data, "layout": {**_LAYOUT, "xaxis": x_axis, "yaxis": y_axis, **layout}}


def _xy(points: dict[str, float]) -> tuple[list[str], list[float | None]]:
    xs = sorted(points)
    return [label(x) for x in xs], [None if math.isnan(points[x]) else points[x] for x in xs]


def bars(caption: str, series: Series, x_title: str, y_title: str, stacked: bool = False) -> Figure:
    data = [{"type": "bar", "name": label(name), **dict(zip(("x", "y"), _xy(points)))}
            for name, points in sorted(series.items())]
    return _figure(caption, data, x_title, y_title, True, barmode="stack" if stacked else "group")


def lines(caption: str, series: Series, x_title: str, y_title: str, from_zero: bool = True) -> Figure:
    data = [{"type": "scatter", "mode": "lines+markers", "name": label(name),
             **dict(zip(("x", "y"), _xy(points)))} for name, points in sorted(series.items())]
    return _figure(caption, data, x_title, y_title, from_zero)


def boxes(caption: str, values: dict[str, list[float]], y_title: str) -> Figure:
    """One box per group from precomputed quartiles (whiskers at min and max)."""
    names = sorted(values)
    quantiles = [np.percentile(values[name], [0, 25, 50, 75, 100]) for name in names]
    trace = {"type": "box", "name": "", "x": [label(n) for n in names], "showlegend": False,
             **{key: [float(q[i]) for q in quantiles]
                for i, key in enumerate(("lowerfence", "q1", "median", "q3", "upperfence"))},
             "mean": [float(np.mean(values[name])) for name in names]}
    return _figure(caption, [trace], "site", y_title, False)
