"""Plotly figures for the report pages, built in Python from selector output.

Pure functions: selector dataclasses in, a plain `{"data": [...], "layout": {...}}` dict out (no plotly
import needed at run time, nothing from the database). Templates emit the dicts with `json_script` and
`static/js/charts.js` hands them to `Plotly.newPlot`. Text is translated with the active language, and
numbers use its separators.

Days without data are `None` (JSON null): plotly leaves a gap there, and the figure shades the days on
which no site has data at all and labels them "no data", so a missing day never reads as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext

from dashboard.reports.selectors import (
    BANDWIDTH,
    CDN_BANDWIDTH,
    DISK_USAGE,
    VISITS,
    Analytics,
    EnvironmentReport,
    SiteReport,
)

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


def _legend_name(name: str) -> str:
    return plotly_text_shortened(name, LEGEND_CHARS)


def _fit_legend(layout: dict[str, Any], traces: int) -> None:
    """Grow the figure with its legend, so many series never squash the plot itself."""
    layout["height"] = PLOT_HEIGHT + 60 + LEGEND_ROW * max(1, traces)


def _site_colors(report: Analytics) -> dict[int, str]:
    """One colour per live site, the same in every chart: by visits, biggest first."""
    ranked = sorted(
        (site for site in report.sites if site.live is not None),
        key=lambda site: (-(site.live.totals.visits or 0), site.display_name),  # type: ignore[union-attr]
    )
    return {site.id: PALETTE[i % len(PALETTE)] for i, site in enumerate(ranked)}


def _x(days: Sequence[date]) -> list[str]:
    return [day.isoformat() for day in days]


def _short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _layout(*, title: str, y_title: str, bytes_axis: bool = False, stacked: bool = False) -> dict[str, Any]:
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


def _sum_series(columns: Sequence[Series], n: int) -> Series:
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


def _mark_gaps(layout: dict[str, Any], days: Sequence[date], total: Series) -> None:
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


def _top_and_rest(
    named: Sequence[tuple[str, Series, int]], n: int, limit: int = MAX_SERIES
) -> tuple[list[tuple[str, Series]], tuple[int, Series] | None]:
    """The `limit` biggest series by their weight, and the rest summed (count, series) if any."""
    ranked = sorted(named, key=lambda item: item[2], reverse=True)
    if len(ranked) <= limit + 1:
        return [(name, values) for name, values, _ in ranked], None
    top, rest = ranked[:limit], ranked[limit:]
    return [(name, values) for name, values, _ in top], (len(rest), _sum_series([v for _, v, _ in rest], n))


def _bar(name: str, days: Sequence[date], values: Series, color: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "name": _legend_name(name),
        "x": _x(days),
        "y": list(values),
        "marker": {"color": color},
        "hovertemplate": "%{y:,}<extra>%{fullData.name}</extra>",
    }


def _line(name: str, days: Sequence[date], values: Series, color: str, *, bytes_: bool = False) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers" if len(days) <= 31 else "lines",
        "name": _legend_name(name),
        "x": _x(days),
        "y": list(values),
        "connectgaps": False,
        "line": {"color": color, "width": 2},
        "marker": {"size": 4},
        "hovertemplate": ("%{y:.3s}B" if bytes_ else "%{y:,}") + "<extra>%{fullData.name}</extra>",
    }


def _comparison_line(report: Analytics, metric: str, *, bytes_: bool = False) -> dict[str, Any] | None:
    """The comparison period's daily live total, drawn over the current days (day 1 over day 1)."""
    compare = report.compare_period
    values = report.compare_live_daily.get(metric)
    if compare is None or values is None or all(v is None for v in values):
        return None
    n = len(report.days)
    aligned = list(values[:n]) + [None] * max(0, n - len(values))
    labels = [_short_date(day) for day in report.compare_days[:n]] + [""] * max(0, n - len(values))
    name = plotly_text(gettext("%(start)s to %(end)s (comparison)")) % {
        "start": _short_date(compare.start),
        "end": _short_date(compare.end),
    }
    value = "%{y:.3s}B" if bytes_ else "%{y:,}"
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": _x(report.days),
        "y": aligned,
        "customdata": labels,
        "connectgaps": False,
        "line": {"color": COMPARE_COLOR, "width": 2, "dash": "dash"},
        "hovertemplate": value + " (%{customdata})<extra>" + gettext("comparison") + "</extra>",
    }


# --- Client report ----------------------------------------------------------------------------------------


def visits_by_site(report: Analytics) -> dict[str, Any]:
    """Visits per day of the live sites, stacked by site, with the comparison period's total as a line."""
    n = len(report.days)
    colors = _site_colors(report)
    named = [
        (site.display_name, site.live.daily[VISITS], site.live.totals.visits or 0, colors[site.id])
        for site in report.sites
        if site.live is not None
    ]
    top, rest = _top_and_rest([(name, values, weight) for name, values, weight, _ in named], n)
    color_of = {name: color for name, _, _, color in named}
    layout = _layout(title=gettext("Visits per day (live sites)"), y_title=gettext("Visits"), stacked=True)
    data = [_bar(name, report.days, values, color_of[name]) for name, values in top]
    if rest is not None:
        count, values = rest
        label = ngettext("%(count)d other site", "%(count)d other sites", count) % {"count": count}
        data.append(_bar(label, report.days, values, OTHERS_COLOR))
    comparison = _comparison_line(report, VISITS)
    if comparison is not None:
        data.append(comparison)
    _fit_legend(layout, len(data))
    _mark_gaps(layout, report.days, report.live_daily[VISITS])
    return {"data": data, "layout": layout}


def bandwidth(report: Analytics) -> dict[str, Any]:
    """Bandwidth and CDN bandwidth per day, summed over live sites."""
    layout = _layout(title=gettext("Bandwidth per day (live sites)"), y_title=gettext("Bytes"), bytes_axis=True)
    data = [
        _line(gettext("Bandwidth"), report.days, report.live_daily[BANDWIDTH], PALETTE[0], bytes_=True),
        _line(gettext("CDN bandwidth"), report.days, report.live_daily[CDN_BANDWIDTH], PALETTE[1], bytes_=True),
    ]
    both = _sum_series([report.live_daily[BANDWIDTH], report.live_daily[CDN_BANDWIDTH]], len(report.days))
    _mark_gaps(layout, report.days, both)
    return {"data": data, "layout": layout}


def disk_by_site(report: Analytics) -> dict[str, Any]:
    """Disk usage of each live site over time (a gauge: one line per site, never stacked or summed)."""
    colors = _site_colors(report)
    named = [
        (site.display_name, site.live.daily[DISK_USAGE], site.live.totals.disk_usage or 0, colors[site.id])
        for site in report.sites
        if site.live is not None
    ]
    ranked = sorted(named, key=lambda item: item[2], reverse=True)
    shown = ranked[: MAX_SERIES + 1]
    title = gettext("Disk usage per site")
    if len(ranked) > len(shown):
        title = gettext("Disk usage: the %(shown)d largest of %(total)d sites") % {
            "shown": len(shown),
            "total": len(ranked),
        }
    layout = _layout(title=title, y_title=gettext("Bytes"), bytes_axis=True)
    data = [_line(name, report.days, values, color, bytes_=True) for name, values, _, color in shown]
    _fit_legend(layout, len(data))
    _mark_gaps(layout, report.days, report.live_daily[DISK_USAGE])
    return {"data": data, "layout": layout}


def _chart(chart_id: str, figure: dict[str, Any]) -> dict[str, Any]:
    """What a template needs for one chart: the element id, the json_script id and the figure."""
    return {"id": chart_id, "data_id": f"{chart_id}-data", "figure": figure}


def client_charts(report: Analytics) -> list[dict[str, Any]]:
    """The report page's charts, in page order."""
    return [
        _chart("chart-visits", visits_by_site(report)),
        _chart("chart-bandwidth", bandwidth(report)),
        _chart("chart-disk", disk_by_site(report)),
    ]


# --- Site page --------------------------------------------------------------------------------------------


def _env_name(env: EnvironmentReport) -> str:
    return env.display_name or env.name


def site_charts(report: SiteReport) -> list[dict[str, Any]]:
    """A site's charts: visits per environment (live bars, staging lines), bandwidth, disk per environment."""
    site = report.site
    days = report.days
    visits_layout = _layout(title=gettext("Visits per day"), y_title=gettext("Visits"))
    visits_data = []
    for i, env in enumerate(site.environments):
        color = PALETTE[i % len(PALETTE)]
        if env.is_live:
            visits_data.append(_bar(_env_name(env), days, env.daily[VISITS], color))
        else:
            visits_data.append(_line(_env_name(env), days, env.daily[VISITS], color))
    comparison = _comparison_line(report, VISITS)
    if comparison is not None:
        visits_data.append(comparison)
    _mark_gaps(visits_layout, days, _sum_series([env.daily[VISITS] for env in site.environments], len(days)))

    disk_layout = _layout(title=gettext("Disk usage per environment"), y_title=gettext("Bytes"), bytes_axis=True)
    disk_data = [
        _line(_env_name(env), days, env.daily[DISK_USAGE], PALETTE[i % len(PALETTE)], bytes_=True)
        for i, env in enumerate(site.environments)
    ]
    _mark_gaps(disk_layout, days, _sum_series([env.daily[DISK_USAGE] for env in site.environments], len(days)))
    return [
        _chart("chart-visits", {"data": visits_data, "layout": visits_layout}),
        _chart("chart-bandwidth", bandwidth(report)),
        _chart("chart-disk", {"data": disk_data, "layout": disk_layout}),
    ]


# --- Overview trend lines ---------------------------------------------------------------------------------


def sparkline(values: Sequence[int | None], *, width: int = 120, height: int = 28, pad: int = 2) -> list[str]:
    """SVG polyline `points` for a small trend line, one string per stretch of days with data.

    Inline SVG instead of plotly: the overview has a trend per client, and a hundred plotly charts would
    cost seconds of script time on a phone. Gaps (None) split the line; a lone day becomes a dot-sized
    segment.
    """
    present = [v for v in values if v is not None]
    if not present or len(values) == 0:
        return []
    low, high = min(present), max(present)
    span = high - low or 1
    step = (width - 2 * pad) / max(1, len(values) - 1)
    segments: list[str] = []
    current: list[str] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(" ".join(current))
                current = []
            continue
        x = pad + i * step
        y = height - pad - (value - low) / span * (height - 2 * pad) if high != low else height / 2
        current.append(f"{x:.1f},{y:.1f}")
    if current:
        segments.append(" ".join(current))
    # A single point draws nothing as a polyline; give it a tiny width.
    return [s if " " in s else f"{s} {float(s.split(',')[0]) + 1:.1f},{s.split(',')[1]}" for s in segments]


def plotly_locale() -> str:
    """The plotly locale for the active language (static/js/charts.js registers German)."""
    return "de" if (get_language() or "en").startswith("de") else "en"
