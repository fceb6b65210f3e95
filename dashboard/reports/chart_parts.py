"""What every report chart is built from: colours, text plotly shows literally, the base layout, byte
axes, bar and line traces, and the shading of days without data (the time axis: chart_time.py).

Plain dicts in plotly's figure format (dashboard.reports.charts puts them together into the pages' charts).
Text is translated with the active language, and numbers use its separators.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils import formats, numberformat
from django.utils.translation import get_language, gettext

from dashboard.reports.chart_time import buckets, date_axis, grain, group, x_values
from kinsta_sync.figures import scale_bytes

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


def base_layout(
    *, title: str, y_title: str, days: Sequence[date] = (), bytes_axis: bool = False, stacked: bool = False
) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": plotly_text(title), "x": 0, "xanchor": "left", "font": {"size": 16}},
        "separators": _separators(),
        "margin": {"l": 64, "r": 24, "t": 48, "b": 40},
        "height": PLOT_HEIGHT + 60 + LEGEND_ROW * 2,
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.15, "yanchor": "top", "x": 0, "traceorder": "normal"},
        "xaxis": date_axis(days),
        "yaxis": {
            "title": {"text": plotly_text(y_title)},
            "rangemode": "tozero",
            "fixedrange": True,
            "tickformat": ",d",
        },
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "color": "#1d2330"},
        "shapes": [],
        "annotations": [],
    }
    if bytes_axis:
        layout["yaxis"].pop("tickformat")
        layout["yaxis"]["bytes"] = True  # replaced by byte_ticks() once the data is known
    if stacked:
        layout["barmode"] = "stack"
        layout["bargap"] = 0.15
    return layout


_BYTE_UNITS = ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB"), (1, "B"))


def format_bytes(value: float, decimals: int | None = None) -> str:
    """Decimal units with a space and the language's separators, as on the cards ("243 GB", "22,7 GB")."""
    size, default_decimals, unit = scale_bytes(int(value))
    places = default_decimals if decimals is None else decimals
    return f"{_number_format(size, places)} {unit}"


def _number_format(value: float, decimals: int) -> str:
    """formats.number_format(value, decimals, use_l10n=True, force_grouping=True), with the language's
    separators looked up once per language instead of three times per number (a chart hovers hundreds)."""
    decimal, grouping, thousands = _number_separators(get_language())
    return numberformat.format(value, decimal, decimals, grouping, thousands, force_grouping=True, use_l10n=True)


@functools.lru_cache(maxsize=16)
def _number_separators(language: str | None) -> tuple[str, Any, str]:
    return (
        formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        formats.get_format("NUMBER_GROUPING", language, use_l10n=True),
        formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
    )


def byte_ticks(layout: dict[str, Any], data: Sequence[dict[str, Any]]) -> None:
    """Byte axes tick in the cards' units ("0 GB", "10 GB", "20 GB"): plotly's d3 formats write "10GB" or
    "10G", so the ticks are computed here from the data's range."""
    axis = layout["yaxis"]
    if not axis.pop("bytes", False):
        return
    top = max((v for trace in data for v in trace.get("y", []) if v is not None), default=0)
    if top <= 0:
        return
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = math.ceil(top / step)
    values = [i * step for i in range(count + 1)]
    scale, unit = next((s, u) for s, u in _BYTE_UNITS if values[-1] >= s)
    decimals = 0
    while decimals < 3 and abs(round(step / scale, decimals) - step / scale) > 1e-9:
        decimals += 1
    axis["tickmode"] = "array"
    axis["tickvals"] = values
    axis["ticktext"] = [f"{_number_format(v / scale, decimals)} {unit}" for v in values]
    axis["range"] = [0, values[-1] * 1.02]


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
    """Shade the bars (days, weeks or months) in which nothing has data, and say "no data" there (not a
    drop to zero). `total` is per bucket (`group()`)."""
    if not days:
        return
    if all(value is None for value in total):
        _empty(layout)
        return
    runs = _no_data_runs(total)
    for first, last in runs:
        layout["shapes"].append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": first - 0.5,
                "x1": last + 0.5,
                "y0": 0,
                "y1": 1,
                "fillcolor": NO_DATA_FILL,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    # Label the longest runs only; a label on every one-day gap of a year would be noise.
    for first, last in sorted(runs, key=lambda r: r[1] - r[0], reverse=True)[:3]:
        layout["annotations"].append(
            {
                "x": (first + last) / 2,
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


def _hover_values(values: Series, bytes_: bool) -> list[str] | None:
    return [format_bytes(v) if v is not None else "" for v in values] if bytes_ else None


def bar(
    name: str, days: Sequence[date], values: Series, color: str, *, legendrank: int | None = None
) -> dict[str, Any]:
    """Bars of a daily series, one per bucket (summed over weeks or months on long periods)."""
    trace: dict[str, Any] = {
        "type": "bar",
        "name": legend_name(name),
        "x": x_values(days),
        "y": list(group(values, buckets(days))),
        "marker": {"color": color},
        "hovertemplate": "%{y:,}<extra>%{fullData.name}</extra>",
    }
    kind = grain(days)
    parts = buckets(days)
    if not all(part.whole(kind) for part in parts):
        # A week or month cut by the period's start or end is drawn lighter: its bar is shorter for fewer
        # days, not for fewer visits (hover names its days).
        trace["marker"]["opacity"] = [1.0 if part.whole(kind) else 0.45 for part in parts]
    if legendrank is not None:
        trace["legendrank"] = legendrank
    return trace


def line(
    name: str,
    days: Sequence[date],
    values: Series,
    color: str,
    *,
    bytes_: bool = False,
    gauge: bool = False,
    legendrank: int | None = None,
) -> dict[str, Any]:
    """A line of a daily series, one point per bucket (a gauge such as disk usage: the bucket's latest
    reading). Byte values hover in the cards' units."""
    grouped = group(values, buckets(days), gauge=gauge)
    trace: dict[str, Any] = {
        "type": "scatter",
        "mode": "lines+markers" if len(grouped) <= 31 else "lines",
        "name": legend_name(name),
        "x": x_values(days),
        "y": list(grouped),
        "connectgaps": False,
        "line": {"color": color, "width": 2},
        "marker": {"size": 4},
        "hovertemplate": "%{y:,}<extra>%{fullData.name}</extra>",
    }
    hover = _hover_values(grouped, bytes_)
    if hover is not None:
        trace["customdata"] = hover
        trace["hovertemplate"] = "%{customdata}<extra>%{fullData.name}</extra>"
    if legendrank is not None:
        trace["legendrank"] = legendrank
    return trace
