"""The "Audience and errors" report section and the overview's "5xx share" column (registered in apps.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext

from dashboard.reports.charts import plotly_locale
from dashboard.reports.sections import SectionRequest
from dashboard.traffic.charts import COLORS, responses_chart, responses_svg
from dashboard.traffic.selectors import CLASSES, WorstSite, csv_cells, five_xx_by_client, traffic_quality


def _where(request: SectionRequest) -> Q:
    where = Q(environment__site__assignment__client=request.client)
    if request.site_id is not None:
        where &= Q(environment__site_id=request.site_id)
    return where


def build(request: SectionRequest) -> dict[str, Any]:
    """The section's data for every surface: the figures, the page's plotly chart and the PDF's SVG."""
    traffic = traffic_quality(where=_where(request), period=request.period, compare=request.compare)
    drawn = traffic.requests is not None
    return {
        "traffic": traffic,
        "error_rows": [
            (gettext("4xx responses"), traffic.share_4xx, traffic.previous_share_4xx, traffic.change_4xx),
            (gettext("5xx responses"), traffic.share_5xx, traffic.previous_share_5xx, traffic.change_5xx),
        ],
        "chart": responses_chart(traffic, "traffic-responses") if drawn else None,
        "plotly_locale": plotly_locale(),
        "svg": responses_svg(traffic) if drawn else "",
        "legend": [
            (gettext("Other codes") if name == "other" else name, COLORS[name])
            for name in CLASSES
            if any(traffic.by_class[name])
        ],
    }


def snapshot(data: Mapping[str, Any]) -> dict[str, Any]:
    return data["traffic"].snapshot()


def overview_cells(client_ids: Sequence[int], period: Any, compare: Any) -> dict[int, WorstSite]:
    return five_xx_by_client(client_ids, period)


# The summary CSV's columns (dashboard.exports, through dashboard.reports.sections.CsvColumns).
CSV_HEADERS = ("requests", "share_4xx", "share_5xx", "top_country", "top_referrer")


def csv_columns(client: Any, period: Any, compare: Any) -> dict[int, tuple[Any, ...]]:
    return csv_cells(client, period)
