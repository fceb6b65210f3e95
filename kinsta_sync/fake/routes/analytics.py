"""Analytics time series and this month's usage (REFERENCE.md §4.3, §4.4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..wire import Request, Response, bad_request, parse_day

if TYPE_CHECKING:
    from ..app import FakeKinsta

# Series key / name per analytics metric (REFERENCE.md §4.3; cdn-bandwidth as in S1's example).
ANALYTICS_KEYS = {
    "visits": "uniqueip",
    "bandwidth": "bandwidth",
    "cdn-bandwidth": "cdn-bandwidth",
    "diskspace": "diskSpaceUsage",
}
TIME_SPANS = {"24_hours": 1, "7_days": 7, "30_days": 30, "60_days": 60}
MAX_RANGE_DAYS = 60  # INFERRED: the longest time_span; Kinsta's real maximum is UNKNOWN (§4.3)
TIME_ZONE_RE = re.compile(r"^-?(0[0-9]|1[0-4]):00$")  # the pattern S1 declares for diskspace
# Share of a day's traffic per UTC hour, for the hourly buckets of time_span=24_hours (INFERRED).
_HOURLY = [1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5, 4, 3, 2, 2]


def _analytics_handler(metric: str) -> Callable[[FakeKinsta, Request], Response]:
    def handler(app: FakeKinsta, request: Request) -> Response:
        days, hourly = _analytics_range(request.query, metric, app.agency.today)
        app._company(request.query.get("company_id"), param="company_id")
        env = app._environment(request)
        dataset: list[dict[str, str]] = []
        values: list[int] = []
        for day in days:
            value = app.agency.analytics_value(env.id, metric, day)
            if value is None:
                continue  # no data that day: Kinsta omits the bucket rather than sending 0
            hours = _split_hourly(value) if hourly else [(0, value)]
            for hour, hour_value in hours:
                dataset.append({"key": app._bucket(day, hour), "value": str(hour_value)})
                values.append(hour_value)
        # Disk space is a gauge, so its total is the latest reading (INFERRED); traffic sums up.
        total = (values[-1] if values else 0) if metric == "diskspace" else sum(values)
        key = ANALYTICS_KEYS[metric]
        return Response(
            app.analytics_status,
            {
                "analytics": {
                    "analytics_response": {"key": key, "data": [{"name": key, "total": total, "dataset": dataset}]}
                }
            },
        )

    return handler


def _analytics_range(query: dict[str, str], metric: str, today: date) -> tuple[list[date], bool]:
    """The days asked for, and whether buckets are hourly (REFERENCE.md §4.3 query rules)."""
    # time_zone is required for diskspace only; the offset itself does not move daily buckets.
    if metric == "diskspace" and not TIME_ZONE_RE.match(query.get("time_zone", "")):
        raise bad_request("query parameter 'time_zone' is required, e.g. 02:00")
    if "from" in query or "to" in query:
        start, end = parse_day(query.get("from"), "from"), parse_day(query.get("to"), "to")
        if start > end:
            raise bad_request("'from' must not be after 'to'")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise bad_request(f"the range may cover at most {MAX_RANGE_DAYS} days")
        return [start + timedelta(days=i) for i in range((end - start).days + 1)], False
    span = query.get("time_span", "7_days")
    if span not in TIME_SPANS or (metric == "diskspace" and span == "24_hours"):
        raise bad_request(f"invalid time_span {span!r}")
    count = TIME_SPANS[span]
    return [today - timedelta(days=count - 1 - i) for i in range(count)], span == "24_hours"


def _split_hourly(value: int) -> list[tuple[int, int]]:
    total = sum(_HOURLY)
    return [(hour, round(value * weight / total)) for hour, weight in enumerate(_HOURLY)]


def _usage_handler(metric: str) -> Callable[[FakeKinsta, Request], Response]:
    def handler(app: FakeKinsta, request: Request) -> Response:
        site = app._site(request)
        value = app.agency.month_usage(site.id, metric)
        if metric == "cdn-bandwidth":
            # The CDN endpoint wraps its number in `this_month_cdn_usage` (REFERENCE.md §4.4).
            return Response(200, {"site": {"id": site.id, "this_month_cdn_usage": {"bandwidth": value}}})
        return Response(200, {"site": {"id": site.id, "this_month_usage": {metric: value}}})

    return handler
