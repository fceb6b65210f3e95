"""What each figure is, in one place: the reports (dashboard.reports.selectors) and the agency's admin (clients.admin,
through clients.selectors) read their figures through here, so the admin cannot show other numbers than the
report for the same client and days.

It lives in kinsta_sync because every app may import it (the imports point dashboard -> clients -> here)
and it is about the mirror only: it knows sites, environments and analytics points, never clients.

The definitions (the report's definitions list shows them to clients):
- Figures count **live** environments only, as Kinsta's plans do; staging is reported separately.
- Visits, bandwidth and CDN bandwidth are **sums** over the days of the period (`SUMMED_METRICS`).
- Disk usage is a daily gauge (bytes in use): a period's figure is the **latest** value in the period, per
  environment (`latest_disk`).
- Bytes are shown in **decimal** units (1 GB = 1,000,000,000 bytes), as Kinsta's plans count them
  (`scale_bytes`), never in 1024-based ones.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Protocol

from django.db.models import OuterRef, Q, Subquery, Sum

from kinsta_sync.models import AnalyticsPoint, Environment, Metric

VISITS = Metric.VISITS.value
BANDWIDTH = Metric.BANDWIDTH.value
CDN_BANDWIDTH = Metric.CDN_BANDWIDTH.value
DISK_USAGE = Metric.DISK_USAGE.value
METRICS: tuple[str, ...] = (VISITS, BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE)
# Metrics whose period figure is the sum of the days; disk usage is a gauge (latest value) instead.
SUMMED_METRICS: tuple[str, ...] = (VISITS, BANDWIDTH, CDN_BANDWIDTH)


class Days(Protocol):
    """Whole days from `start` to `end`, both included (dashboard.reports.periods.Period, clients.selectors.Period)."""

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...


def days_window(period: Days, compare: Days | None) -> Q:
    """The points' days to read for a period and its comparison: one range when they touch (an OR of two
    ranges makes SQLite merge two index scans and sort for the GROUP BY)."""
    in_period = Q(day__gte=period.start, day__lte=period.end)
    if compare is None:
        return in_period
    if compare.end >= period.start - timedelta(days=1) and compare.start <= period.end + timedelta(days=1):
        return Q(day__gte=min(period.start, compare.start), day__lte=max(period.end, compare.end))
    return in_period | Q(day__gte=compare.start, day__lte=compare.end)


def latest_disk(period: Days) -> Subquery:
    """An Environment annotation: the environment's last disk-usage value in the period (None without one)."""
    return Subquery(
        AnalyticsPoint.objects.filter(
            environment=OuterRef("pk"), metric=DISK_USAGE, day__gte=period.start, day__lte=period.end
        )
        .order_by("-day")
        .values("value")[:1]
    )


def environment_sums(points: Q, period: Days, compare: Days | None = None) -> dict[int, dict[str, dict[str, Any]]]:
    """{environment id: {summed metric: {"total": sum in the period, "previous": sum in the comparison}}} for
    the points `points` selects, in one query (an index range scan; both periods in one pass).

    `points` selects through joins (environment -> site -> ...) rather than a list of ids: PostgreSQL then
    walks the (environment, metric, day) index once per environment, where with `environment_id = ANY(...)`
    it chose the plain environment index and filtered every day of every metric. `order_by()`, or the
    model's default ordering would join environments and sites just to sort.
    """
    sums: dict[str, Any] = {"total": Sum("value", filter=Q(day__gte=period.start, day__lte=period.end))}
    if compare is not None:
        sums["previous"] = Sum("value", filter=Q(day__gte=compare.start, day__lte=compare.end))
    totals: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in (
        AnalyticsPoint.objects.filter(points, days_window(period, compare), metric__in=SUMMED_METRICS)
        .order_by()
        .values("environment_id", "metric")
        .annotate(**sums)
    ):
        totals[row["environment_id"]][row["metric"]] = row
    return dict(totals)


def live_site_figures(*, environments: Q, points: Q, period: Days) -> dict[int, dict[str, int | None]]:
    """{site id: {metric: figure}} over a period: each site's live environment, summed metrics summed and
    disk usage its latest value, None without data. Two queries whatever the number of sites.

    `environments` selects the environments (e.g. `Q(site__assignment__client=c)`) and `points` the same
    environments' points (`Q(environment__site__assignment__client=c)`), as for the report.
    """
    live = list(
        Environment.objects.filter(environments, is_live=True)
        .order_by()
        .annotate(disk=latest_disk(period))
        .values_list("pk", "site_id", "disk")
    )
    if not live:
        return {}
    sums = environment_sums(Q(points, environment__is_live=True), period)
    figures: dict[int, dict[str, int | None]] = {}
    for env_id, site_id, disk in live:
        env_sums = sums.get(env_id, {})
        site = figures.setdefault(site_id, dict.fromkeys(METRICS))
        for metric in SUMMED_METRICS:
            value = env_sums[metric]["total"] if metric in env_sums else None
            if value is not None:
                site[metric] = (site[metric] or 0) + value
        if disk is not None:
            site[DISK_USAGE] = (site[DISK_USAGE] or 0) + disk
    return figures


_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def scale_bytes(value: int) -> tuple[float, int, str]:
    """A byte count in decimal units: (number, decimals to show, unit), e.g. 243_000_000_000 -> (243.0, 0, "GB").

    One decimal below 100 of a unit (22.7 GB), none from 100 (243 GB) or for plain bytes.
    """
    size = float(value)
    unit = 0
    while abs(size) >= 1000 and unit < len(_UNITS) - 1:
        size /= 1000
        unit += 1
    decimals = 0 if unit == 0 or abs(round(size, 1)) >= 100 else 1
    return size, decimals, _UNITS[unit]
