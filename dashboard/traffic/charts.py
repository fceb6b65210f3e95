"""The section's chart: responses by class per day, stacked (2xx, 3xx, 4xx, 5xx, other).

On pages a plotly figure built with the report's own chart parts (dashboard.reports.chart_parts: escaped
text, the language's separators, days without data shaded), emitted with json_script and drawn by
static/js/charts.js like the report's charts (CSP allows no inline script). In the PDF a small SVG drawn
here from numbers only (no text from Kinsta in it), so it needs no Chromium.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from dashboard.reports.chart_parts import bar, base_layout, mark_gaps, sum_series
from dashboard.reports.chart_time import buckets, group
from dashboard.traffic.selectors import CLASSES, Traffic

COLORS = {"2xx": "#009E73", "3xx": "#56B4E9", "4xx": "#E69F00", "5xx": "#D55E00", "other": "#8a93a3"}


def _label(name: str) -> str:
    return gettext("Other codes") if name == "other" else name


def responses_chart(traffic: Traffic, chart_id: str) -> dict[str, Any]:
    """What templates/reports/_charts.html-style markup needs: the element id, its data id, the figure."""
    return {"id": chart_id, "data_id": f"{chart_id}-data", "figure": responses_figure(traffic)}


def responses_figure(traffic: Traffic) -> dict[str, Any]:
    layout = base_layout(
        title=gettext("Responses per day by class"), y_title=gettext("Requests"), days=traffic.days, stacked=True
    )
    data = [
        bar(_label(name), traffic.days, traffic.by_class[name], COLORS[name])
        for name in CLASSES
        if any(traffic.by_class[name])
    ]
    total = sum_series([traffic.by_class[name] for name in CLASSES], len(traffic.days))
    mark_gaps(layout, traffic.days, group(total, buckets(traffic.days)))
    return {"data": data, "layout": layout}


def responses_svg(traffic: Traffic, *, width: int = 640, height: int = 120) -> SafeString:
    """Stacked bars per day as inline SVG for the PDF; a day without data has no bar."""
    n = len(traffic.days)
    totals = [sum(traffic.by_class[name][i] or 0 for name in CLASSES) for i in range(n)]
    peak = max(totals, default=0)
    if not n or not peak:
        return SafeString("")
    step = width / n
    bar_width = max(1.0, step * 0.8)
    rects = []
    for i in range(n):
        y = float(height)
        for name in CLASSES:
            value = traffic.by_class[name][i] or 0
            if not value:
                continue
            h = height * value / peak
            y -= h
            rects.append((f"{i * step:.2f}", f"{y:.2f}", f"{bar_width:.2f}", f"{h:.2f}", COLORS[name]))
    bars = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', rects)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="traffic-chart" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="none" role="img" aria-label="{}">{}</svg>',
        width,
        height,
        gettext("Responses per day by class"),
        bars,
    )
