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
    byte_ticks,
    fit_legend,
    format_bytes,
    line,
    mark_gaps,
    plotly_text,
    sum_series,
    top_and_rest,
)
from dashboard.reports.chart_time import buckets, date_range, grain, group, short_date, x_values
from dashboard.reports.selectors import (
    BANDWIDTH,
    CDN_BANDWIDTH,
    DISK_USAGE,
    VISITS,
    Analytics,
    EnvironmentReport,
    SiteReport,
)


def _site_order(report: Analytics) -> dict[int, int]:
    """Each of the client's sites' place by name (then Kinsta id): the same in every period, chart and page,
    whatever this period's figures are (a site keeps its colour and its place in the legends)."""
    ranked = sorted(report.sites, key=lambda site: (site.display_name.casefold(), site.kinsta_id))
    return {site.id: i for i, site in enumerate(ranked)}


def _site_colors(report: Analytics) -> dict[int, str]:
    """One colour per site, from its place by name (`_site_order`), the same in every chart and period."""
    return {site_id: PALETTE[i % len(PALETTE)] for site_id, i in _site_order(report).items()}


# Chart titles per grain (dashboard.reports.chart_time.grain): long periods are drawn per week or month.
def _title(kind: str, grain_: str) -> str:
    titles = {
        ("visits", "day"): gettext("Visits per day (live sites)"),
        ("visits", "week"): gettext("Visits per week (live sites)"),
        ("visits", "month"): gettext("Visits per month (live sites)"),
        ("bandwidth", "day"): gettext("Bandwidth per day (live sites)"),
        ("bandwidth", "week"): gettext("Bandwidth per week (live sites)"),
        ("bandwidth", "month"): gettext("Bandwidth per month (live sites)"),
        ("site-visits", "day"): gettext("Visits per day"),
        ("site-visits", "week"): gettext("Visits per week"),
        ("site-visits", "month"): gettext("Visits per month"),
    }
    return titles[(kind, grain_)]


def _comparison_line(
    report: Analytics,
    metric: str,
    *,
    label: str = "",
    color: str = COMPARE_COLOR,
    bytes_: bool = False,
    gauge: bool = False,
) -> dict[str, Any] | None:
    """The comparison period's live total, drawn over the current period (day 1 over day 1), grouped into
    the same weeks or months as the chart."""
    compare = report.compare_period
    values = report.compare_live_daily.get(metric)
    if compare is None or values is None or all(v is None for v in values):
        return None
    n = len(report.days)
    aligned = tuple(values[:n]) + (None,) * max(0, n - len(values))
    parts = buckets(report.days)
    grouped = group(aligned, parts, gauge=gauge)
    labels = []
    for part in parts:
        days = report.compare_days[part.start : min(part.stop, len(report.compare_days))]
        labels.append(date_range(days[0], days[-1]) if days else "")
    period = plotly_text(gettext("%(start)s to %(end)s (comparison)")) % {
        "start": short_date(compare.start),
        "end": short_date(compare.end),
    }
    name = f"{plotly_text(label)}, {period}" if label else period
    if bytes_:
        customdata = [[text, format_bytes(v) if v is not None else ""] for text, v in zip(labels, grouped, strict=True)]
        value = "%{customdata[1]}"
    else:
        customdata = [[text, ""] for text in labels]
        value = "%{y:,}"
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        # The comparison's name is ours (dates), never cut in a legend (dashboard.exports.print_charts).
        "legendgroup": "comparison",
        "legendrank": 2000,
        "x": x_values(report.days),
        "y": list(grouped),
        "customdata": customdata,
        "connectgaps": False,
        "line": {"color": color, "width": 2, "dash": "dash"},
        "hovertemplate": value + " (%{customdata[0]})<extra>" + plotly_text(gettext("comparison")) + "</extra>",
    }


# --- Client report ----------------------------------------------------------------------------------------


def visits_by_site(report: Analytics) -> dict[str, Any]:
    """Visits of the live sites, stacked by site, with the comparison period's total as a line."""
    n = len(report.days)
    colors = _site_colors(report)
    order = _site_order(report)
    named = [
        (site.display_name, site.live.daily[VISITS], site.live.totals.visits or 0, site.id)
        for site in report.sites
        if site.live is not None
    ]
    top, rest = top_and_rest([(name, values, weight) for name, values, weight, _ in named], n)
    id_of = {name: site_id for name, _, _, site_id in named}
    layout = base_layout(
        title=_title("visits", grain(report.days)), y_title=gettext("Visits"), days=report.days, stacked=True
    )
    # The legend lists the sites by name (their place in every period), whatever their visits.
    top = sorted(top, key=lambda item: order[id_of[item[0]]])
    data = [bar(name, report.days, values, colors[id_of[name]], legendrank=order[id_of[name]]) for name, values in top]
    if rest is not None:
        count, values = rest
        label = ngettext("%(count)d other site", "%(count)d other sites", count) % {"count": count}
        data.append(bar(label, report.days, values, OTHERS_COLOR, legendrank=1000))
    comparison = _comparison_line(report, VISITS)
    if comparison is not None:
        data.append(comparison)
    fit_legend(layout, len(data))
    mark_gaps(layout, report.days, group(report.live_daily[VISITS], buckets(report.days)))
    return {"data": data, "layout": layout}


def bandwidth(report: Analytics) -> dict[str, Any]:
    """Bandwidth and CDN bandwidth, summed over live sites, with the comparison period's as dashed lines."""
    layout = base_layout(
        title=_title("bandwidth", grain(report.days)), y_title=gettext("Bandwidth"), days=report.days, bytes_axis=True
    )
    data = [
        line(gettext("Bandwidth"), report.days, report.live_daily[BANDWIDTH], PALETTE[0], bytes_=True),
        line(gettext("CDN bandwidth"), report.days, report.live_daily[CDN_BANDWIDTH], PALETTE[1], bytes_=True),
    ]
    for metric, label, color in ((BANDWIDTH, gettext("Bandwidth"), PALETTE[0]),
                                 (CDN_BANDWIDTH, gettext("CDN bandwidth"), PALETTE[1])):  # fmt: skip
        comparison = _comparison_line(report, metric, label=label, color=color, bytes_=True)
        if comparison is not None:
            data.append(comparison)
    fit_legend(layout, len(data))
    both = sum_series([report.live_daily[BANDWIDTH], report.live_daily[CDN_BANDWIDTH]], len(report.days))
    mark_gaps(layout, report.days, group(both, buckets(report.days)))
    byte_ticks(layout, data)
    return {"data": data, "layout": layout}


def disk_by_site(report: Analytics) -> dict[str, Any]:
    """Disk usage of each live site over time (a gauge: one line per site, never stacked), and with a
    comparison, the live sites' total then and now."""
    colors = _site_colors(report)
    order = _site_order(report)
    named = [
        (site.display_name, site.live.daily[DISK_USAGE], site.live.totals.disk_usage or 0, site.id)
        for site in report.sites
        if site.live is not None
    ]
    ranked = sorted(named, key=lambda item: item[2], reverse=True)
    shown = sorted(ranked[: MAX_SERIES + 1], key=lambda item: order[item[3]])
    title = gettext("Disk usage per site")
    if len(ranked) > len(shown):
        title = gettext("Disk usage: the %(shown)d largest of %(total)d sites") % {
            "shown": len(shown),
            "total": len(ranked),
        }
    layout = base_layout(title=title, y_title=gettext("Disk usage"), days=report.days, bytes_axis=True)
    data = [
        line(name, report.days, values, colors[site_id], bytes_=True, gauge=True, legendrank=order[site_id])
        for name, values, _, site_id in shown
    ]
    comparison = _comparison_line(report, DISK_USAGE, bytes_=True, gauge=True)
    if comparison is not None:
        if len(shown) > 1:
            total = line(gettext("All live sites"), report.days, report.live_daily[DISK_USAGE], COMPARE_COLOR,
                         bytes_=True, gauge=True, legendrank=1500)  # fmt: skip
            data.append(total)
            comparison["name"] = f"{plotly_text(gettext('All live sites'))}, {comparison['name']}"
        data.append(comparison)
    fit_legend(layout, len(data))
    mark_gaps(layout, report.days, group(report.live_daily[DISK_USAGE], buckets(report.days), gauge=True))
    byte_ticks(layout, data)
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
    parts = buckets(days)
    visits_layout = base_layout(title=_title("site-visits", grain(days)), y_title=gettext("Visits"), days=days)
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
    fit_legend(visits_layout, len(visits_data))
    visits_total = sum_series([env.daily[VISITS] for env in site.environments], len(days))
    mark_gaps(visits_layout, days, group(visits_total, parts))

    disk_layout = base_layout(
        title=gettext("Disk usage per environment"), y_title=gettext("Disk usage"), days=days, bytes_axis=True
    )
    disk_data = [
        line(_env_name(env), days, env.daily[DISK_USAGE], PALETTE[i % len(PALETTE)], bytes_=True, gauge=True)
        for i, env in enumerate(site.environments)
    ]
    comparison = _comparison_line(report, DISK_USAGE, label=gettext("Live"), bytes_=True, gauge=True)
    if comparison is not None:
        disk_data.append(comparison)
    fit_legend(disk_layout, len(disk_data))
    disk_total = sum_series([env.daily[DISK_USAGE] for env in site.environments], len(days))
    mark_gaps(disk_layout, days, group(disk_total, parts, gauge=True))
    byte_ticks(disk_layout, disk_data)
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
