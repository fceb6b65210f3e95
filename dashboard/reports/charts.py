"""Plotly figures for the report pages, built in Python from selector output.

Pure functions: selector dataclasses in, a plain `{"data": [...], "layout": {...}}` dict out (no plotly
import needed at run time, nothing from the database). Templates emit the dicts with `json_script` and
`static/js/charts.js` hands them to `Plotly.newPlot`. Text is translated with the active language, and
numbers use its separators.

Days without data are `None` (JSON null): plotly leaves a gap there, and the figure shades the days on
which no site has data at all and labels them "no data", so a missing day never reads as zero.

What every chart is built from (colours, escaped text, the base layout, bar and line traces, the shading
of days without data) is in dashboard.reports.chart_parts; here are the charts each page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import get_language, gettext, ngettext

from dashboard.reports.chart_parts import (
    COMPARE_COLOR,
    MAX_SERIES,
    OTHERS_COLOR,
    PALETTE,
    bar,
    base_layout,
    fit_legend,
    line,
    mark_gaps,
    plotly_text,
    short_date,
    sum_series,
    top_and_rest,
    x_values,
)
from dashboard.reports.selectors import (
    BANDWIDTH,
    CDN_BANDWIDTH,
    DISK_USAGE,
    VISITS,
    Analytics,
    EnvironmentReport,
    SiteReport,
)


def _site_colors(report: Analytics) -> dict[int, str]:
    """One colour per live site, the same in every chart: by visits, biggest first."""
    ranked = sorted(
        (site for site in report.sites if site.live is not None),
        key=lambda site: (-(site.live.totals.visits or 0), site.display_name),  # type: ignore[union-attr]
    )
    return {site.id: PALETTE[i % len(PALETTE)] for i, site in enumerate(ranked)}


def _comparison_line(report: Analytics, metric: str, *, bytes_: bool = False) -> dict[str, Any] | None:
    """The comparison period's daily live total, drawn over the current days (day 1 over day 1)."""
    compare = report.compare_period
    values = report.compare_live_daily.get(metric)
    if compare is None or values is None or all(v is None for v in values):
        return None
    n = len(report.days)
    aligned = list(values[:n]) + [None] * max(0, n - len(values))
    labels = [short_date(day) for day in report.compare_days[:n]] + [""] * max(0, n - len(values))
    name = plotly_text(gettext("%(start)s to %(end)s (comparison)")) % {
        "start": short_date(compare.start),
        "end": short_date(compare.end),
    }
    value = "%{y:.3s}B" if bytes_ else "%{y:,}"
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x_values(report.days),
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
    top, rest = top_and_rest([(name, values, weight) for name, values, weight, _ in named], n)
    color_of = {name: color for name, _, _, color in named}
    layout = base_layout(title=gettext("Visits per day (live sites)"), y_title=gettext("Visits"), stacked=True)
    data = [bar(name, report.days, values, color_of[name]) for name, values in top]
    if rest is not None:
        count, values = rest
        label = ngettext("%(count)d other site", "%(count)d other sites", count) % {"count": count}
        data.append(bar(label, report.days, values, OTHERS_COLOR))
    comparison = _comparison_line(report, VISITS)
    if comparison is not None:
        data.append(comparison)
    fit_legend(layout, len(data))
    mark_gaps(layout, report.days, report.live_daily[VISITS])
    return {"data": data, "layout": layout}


def bandwidth(report: Analytics) -> dict[str, Any]:
    """Bandwidth and CDN bandwidth per day, summed over live sites."""
    layout = base_layout(title=gettext("Bandwidth per day (live sites)"), y_title=gettext("Bytes"), bytes_axis=True)
    data = [
        line(gettext("Bandwidth"), report.days, report.live_daily[BANDWIDTH], PALETTE[0], bytes_=True),
        line(gettext("CDN bandwidth"), report.days, report.live_daily[CDN_BANDWIDTH], PALETTE[1], bytes_=True),
    ]
    both = sum_series([report.live_daily[BANDWIDTH], report.live_daily[CDN_BANDWIDTH]], len(report.days))
    mark_gaps(layout, report.days, both)
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
    layout = base_layout(title=title, y_title=gettext("Bytes"), bytes_axis=True)
    data = [line(name, report.days, values, color, bytes_=True) for name, values, _, color in shown]
    fit_legend(layout, len(data))
    mark_gaps(layout, report.days, report.live_daily[DISK_USAGE])
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
    visits_layout = base_layout(title=gettext("Visits per day"), y_title=gettext("Visits"))
    visits_data = []
    for i, env in enumerate(site.environments):
        color = PALETTE[i % len(PALETTE)]
        if env.is_live:
            visits_data.append(bar(_env_name(env), days, env.daily[VISITS], color))
        else:
            visits_data.append(line(_env_name(env), days, env.daily[VISITS], color))
    comparison = _comparison_line(report, VISITS)
    if comparison is not None:
        visits_data.append(comparison)
    mark_gaps(visits_layout, days, sum_series([env.daily[VISITS] for env in site.environments], len(days)))

    disk_layout = base_layout(title=gettext("Disk usage per environment"), y_title=gettext("Bytes"), bytes_axis=True)
    disk_data = [
        line(_env_name(env), days, env.daily[DISK_USAGE], PALETTE[i % len(PALETTE)], bytes_=True)
        for i, env in enumerate(site.environments)
    ]
    mark_gaps(disk_layout, days, sum_series([env.daily[DISK_USAGE] for env in site.environments], len(days)))
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
