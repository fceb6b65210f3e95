"""What every report chart is built from: colours, text plotly shows literally, the base layout, bar and
line traces, and the shading of days without data.

Plain dicts in plotly's figure format (dashboard.reports.charts puts them together into the pages' charts).
Text is translated with the active language, and numbers use its separators.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import formats
from django.utils.translation import gettext

# Distinguishable for common colour-vision deficiencies (Okabe-Ito, then Tol's muted), all readable on white.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#332288",
    "#117733",
    "#882255",
    "#999933",
)
OTHERS_COLOR = "#8a93a3"
COMPARE_COLOR = "#1d2330"
NO_DATA_FILL = "rgba(91, 100, 117, 0.12)"
# Charts show this many sites; the rest are summed into one "other sites" series (the table lists all).
MAX_SERIES = 9
# Legend entries are cut to this many characters (the full name is in the hover and the tables).
LEGEND_CHARS = 40
# Height of the plot area, plus one legend row per series (legends sit under the plot).
PLOT_HEIGHT = 300
LEGEND_ROW = 22

Series = tuple[int | None, ...]


def _separators() -> str:
    """Plotly's decimal and thousands separators for the active language."""
    return f"{formats.get_format('DECIMAL_SEPARATOR')}{formats.get_format('THOUSAND_SEPARATOR')}"


def plotly_text(text: str) -> str:
    """`text` as plotly shows it literally.

    plotly.js reads a few HTML tags in trace names, titles and hover text (`<a href>`, `<span style>`,
    `<b>`, `<br>`) and decodes `&lt;`, `&gt;` and `&amp;`. A site named `<a href="https://evil.example">`
    would become a link in the client's legend and PDF, so every string from Kinsta or the agency passes
    through here: with `&`, `<` and `>` as entities it shows exactly as written.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plotly_text_shortened(text: str, limit: int) -> str:
    """`plotly_text()` of `text` cut to `limit` characters (cut first, so no entity is ever cut in half)."""
    return plotly_text(text if len(text) <= limit else text[: limit - 1].rstrip() + "…")


def legend_name(name: str) -> str:
    return plotly_text_shortened(name, LEGEND_CHARS)


def fit_legend(layout: dict[str, Any], traces: int) -> None:
    """Grow the figure with its legend, so many series never squash the plot itself."""
    layout["height"] = PLOT_HEIGHT + 60 + LEGEND_ROW * max(1, traces)


def x_values(days: Sequence[date]) -> list[str]:
    return [day.isoformat() for day in days]


def short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def base_layout(*, title: str, y_title: str, bytes_axis: bool = False, stacked: bool = False) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": plotly_text(title), "x": 0, "xanchor": "left", "font": {"size": 16}},
        "separators": _separators(),
        "margin": {"l": 56, "r": 16, "t": 48, "b": 40},
        "height": PLOT_HEIGHT + 60 + LEGEND_ROW * 2,
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.15, "yanchor": "top", "x": 0},
        "xaxis": {"type": "date", "tickformat": "%d %b", "hoverformat": "%x", "fixedrange": True},
        "yaxis": {
            "title": {"text": plotly_text(y_title)},
            "rangemode": "tozero",
            "fixedrange": True,
            "tickformat": "~s",
        },
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "color": "#1d2330"},
        "shapes": [],
        "annotations": [],
    }
    if bytes_axis:
        layout["yaxis"]["ticksuffix"] = "B"
    if stacked:
        layout["barmode"] = "stack"
        layout["bargap"] = 0.15
    return layout


def sum_series(columns: Sequence[Series], n: int) -> Series:
    out: list[int | None] = [None] * n
    for column in columns:
        for i, value in enumerate(column):
            if value is not None:
                out[i] = value if out[i] is None else out[i] + value  # type: ignore[operator]
    return tuple(out)


def _no_data_runs(values: Series) -> list[tuple[int, int]]:
    """(first, last) indexes of the runs of days without a value."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, value in enumerate(values):
        if value is None and start is None:
            start = i
        elif value is not None and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(values) - 1))
    return runs


def mark_gaps(layout: dict[str, Any], days: Sequence[date], total: Series) -> None:
    """Shade the days on which nothing has data, and say "no data" there (not a drop to zero)."""
    if not days:
        return
    if all(value is None for value in total):
        _empty(layout)
        return
    runs = _no_data_runs(total)
    for first, last in runs:
        x0 = datetime.combine(days[first], time.min) - timedelta(hours=12)
        x1 = datetime.combine(days[last], time.min) + timedelta(hours=12)
        layout["shapes"].append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": x0.isoformat(sep=" "),
                "x1": x1.isoformat(sep=" "),
                "y0": 0,
                "y1": 1,
                "fillcolor": NO_DATA_FILL,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    # Label the longest runs only; a label on every one-day gap of a year would be noise.
    for first, last in sorted(runs, key=lambda r: r[1] - r[0], reverse=True)[:3]:
        middle = datetime.combine(days[first], time.min) + (days[last] - days[first]) / 2
        layout["annotations"].append(
            {
                "x": middle.isoformat(sep=" "),
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "yanchor": "top",
                "text": plotly_text(gettext("no data")),
                "showarrow": False,
                "font": {"size": 11, "color": "#5b6475"},
            }
        )


def _empty(layout: dict[str, Any]) -> None:
    layout["annotations"].append(
        {
            "text": plotly_text(gettext("No data for this period")),
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "showarrow": False,
            "font": {"size": 14, "color": "#5b6475"},
        }
    )
    layout["xaxis"]["showgrid"] = False
    layout["yaxis"]["showticklabels"] = False


def top_and_rest(
    named: Sequence[tuple[str, Series, int]], n: int, limit: int = MAX_SERIES
) -> tuple[list[tuple[str, Series]], tuple[int, Series] | None]:
    """The `limit` biggest series by their weight, and the rest summed (count, series) if any."""
    ranked = sorted(named, key=lambda item: item[2], reverse=True)
    if len(ranked) <= limit + 1:
        return [(name, values) for name, values, _ in ranked], None
    top, rest = ranked[:limit], ranked[limit:]
    return [(name, values) for name, values, _ in top], (len(rest), sum_series([v for _, v, _ in rest], n))


def bar(name: str, days: Sequence[date], values: Series, color: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "name": legend_name(name),
        "x": x_values(days),
        "y": list(values),
        "marker": {"color": color},
        "hovertemplate": "%{y:,}<extra>%{fullData.name}</extra>",
    }


def line(name: str, days: Sequence[date], values: Series, color: str, *, bytes_: bool = False) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers" if len(days) <= 31 else "lines",
        "name": legend_name(name),
        "x": x_values(days),
        "y": list(values),
        "connectgaps": False,
        "line": {"color": color, "width": 2},
        "marker": {"size": 4},
        "hovertemplate": ("%{y:.3s}B" if bytes_ else "%{y:,}") + "<extra>%{fullData.name}</extra>",
    }
