"""The agency overview: every visible client with its live sites' figures, searchable and sortable."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from clients.models import Client
from clients.selectors import unmapped_sites
from dashboard.reports import cache as report_cache
from dashboard.reports.periods import Period
from dashboard.reports.selectors.figures import Totals, change_ratio, lengths_differ
from dashboard.reports.selectors.sync import AccountHealth, account_health
from kinsta_sync.figures import (
    BANDWIDTH,
    CDN_BANDWIDTH,
    DISK_USAGE,
    SUMMED_METRICS,
    VISITS,
    days_window,
    latest_disk,
)
from kinsta_sync.models import AnalyticsPoint, Environment, Site


@dataclass(frozen=True)
class OverviewRow:
    client_id: int
    name: str
    slug: str
    sites: int
    totals: Totals
    previous: Totals | None
    # Visits per day of the period (live sites), for the trend line.
    visits_daily: tuple[int | None, ...]
    # The lengths of the period and of the comparison period (0 without one), for `change`.
    days: int = 0
    compare_days: int = 0

    def change(self, metric: str) -> float | None:
        previous = self.previous.get(metric) if self.previous else None
        return change_ratio(metric, self.totals.get(metric), previous, days=self.days, compare_days=self.compare_days)


@dataclass(frozen=True)
class Overview:
    period: Period
    compare_period: Period | None
    days: tuple[date, ...]
    rows: tuple[OverviewRow, ...]
    total_clients: int
    search: str
    sort: str
    descending: bool
    unmapped_sites: int
    accounts: tuple[AccountHealth, ...]

    @property
    def lengths_differ(self) -> bool:
        """The comparison period has another number of days: the page says so (changes are per day)."""
        return lengths_differ(self.period, self.compare_period)


OVERVIEW_SORTS = ("name", "sites", VISITS, BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE, "change")


def _sort_value(row: OverviewRow, sort: str) -> Any:
    if sort == "name":
        return row.name.casefold()
    if sort == "sites":
        return row.sites
    if sort == "change":
        return row.change(VISITS)
    return row.totals.get(sort)


def _sorted(rows: list[OverviewRow], sort: str, descending: bool) -> list[OverviewRow]:
    """Sorted by one column; rows without a value (no data, no change) go last in both directions."""
    with_value = [r for r in rows if _sort_value(r, sort) is not None]
    without = [r for r in rows if _sort_value(r, sort) is None]
    # Ties stay in name order in both directions (sorts are stable, also with reverse=True).
    with_value.sort(key=lambda r: r.name.casefold())
    with_value.sort(key=lambda r: _sort_value(r, sort), reverse=descending)
    without.sort(key=lambda r: r.name.casefold())
    return with_value + without


@dataclass(frozen=True)
class OverviewFigures:
    """The overview's heavy part, per client id: what `_overview_figures` aggregates (and the cache keeps)."""

    sums: dict[int, dict[str, int]]
    previous: dict[int, dict[str, int]]
    visits_daily: dict[int, tuple[int | None, ...]]
    disk: dict[int, int]
    disk_previous: dict[int, int]
    unmapped_sites: int


def _overview_figures(client_ids: list[int], period: Period, compare: Period | None) -> OverviewFigures:
    """Summed metrics per client for both periods, visits per client and day, the latest disk per live
    environment summed per client, and the unmapped-site count (4 queries, 1 without clients)."""
    n = period.days
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    previous: dict[int, dict[str, int]] = defaultdict(dict)
    visits_daily: dict[int, list[int | None]] = {pk: [None] * n for pk in client_ids}
    disk: dict[int, int] = {}
    disk_previous: dict[int, int] = {}
    if client_ids:
        client_key = "environment__site__assignment__client"
        live = {f"{client_key}__in": client_ids, "environment__is_live": True}
        in_period = Q(day__gte=period.start, day__lte=period.end)
        aggregates: dict[str, Any] = {"total": Sum("value", filter=in_period)}
        window = days_window(period, compare)
        if compare is not None:
            aggregates["previous"] = Sum("value", filter=Q(day__gte=compare.start, day__lte=compare.end))
        for row in (
            AnalyticsPoint.objects.filter(window, metric__in=SUMMED_METRICS, **live)
            .values(client_key, "metric")
            .annotate(**aggregates)
            .order_by()
        ):
            if row["total"] is not None:
                sums[row[client_key]][row["metric"]] = row["total"]
            if row.get("previous") is not None:
                previous[row[client_key]][row["metric"]] = row["previous"]
        for client_id, day, total in (
            AnalyticsPoint.objects.filter(in_period, metric=VISITS, **live)
            .values(client_key, "day")
            .annotate(total=Sum("value"))
            .order_by()
            .values_list(client_key, "day", "total")
        ):
            visits_daily[client_id][(day - period.start).days] = total
        env_disk = (
            Environment.objects.filter(site__assignment__client__in=client_ids, is_live=True)
            .order_by()
            .annotate(disk=latest_disk(period))
        )
        if compare is not None:
            env_disk = env_disk.annotate(previous_disk=latest_disk(compare))
        fields = ["site__assignment__client", "disk"] + (["previous_disk"] if compare is not None else [])
        for row in env_disk.values_list(*fields):
            client_id, value = row[0], row[1]
            if value is not None:
                disk[client_id] = (disk.get(client_id) or 0) + value
            if compare is not None and row[2] is not None:
                disk_previous[client_id] = (disk_previous.get(client_id) or 0) + row[2]
    return OverviewFigures(
        sums=dict(sums),
        previous=dict(previous),
        visits_daily={pk: tuple(values) for pk, values in visits_daily.items()},
        disk=disk,
        disk_previous=disk_previous,
        unmapped_sites=unmapped_sites().count(),
    )


def agency_overview(
    *,
    clients: QuerySet[Client],
    period: Period,
    compare: Period | None,
    search: str = "",
    sort: str = "name",
    descending: bool = False,
    cache_version: str | None = None,
) -> Overview:
    """Every visible client with its live sites' figures for the period, plus the agency's sync health.

    A fixed number of queries whatever the number of clients and sites: clients (with site counts),
    summed metrics per client for both periods, visits per client and day, latest disk per live
    environment, the unmapped-site count, accounts, and their latest runs.

    With `cache_version` (dashboard.reports.cache.data_version()) the figures (the aggregates and the unmapped
    count) are cached under it, the periods and the exact set of client ids; the clients themselves (names,
    site counts, search) and the sync health are read on every call, so 3 queries on a cache hit.
    """
    matching = clients
    search = search.strip()
    if search:
        site_match = (
            Q(display_name__icontains=search)
            | Q(name__icontains=search)
            | Q(environments__primary_domain__icontains=search)
        )
        matching = clients.filter(
            Q(name__icontains=search)
            | Q(slug__icontains=search)
            | Q(pk__in=Site.objects.filter(site_match).values("assignment__client"))
        )
    client_rows = list(
        matching.annotate(
            site_count=Count("site_assignments", filter=Q(site_assignments__site__removed_at__isnull=True))
        )
        .order_by("name")
        .values_list("pk", "name", "slug", "site_count")
    )
    client_ids = [row[0] for row in client_rows]
    parts = (*report_cache.period_parts(period), *report_cache.period_parts(compare), *sorted(client_ids))
    figures = report_cache.get_or_compute(
        cache_version, "overview-figures", parts, lambda: _overview_figures(client_ids, period, compare)
    )
    no_data: tuple[int | None, ...] = (None,) * period.days

    rows = [
        OverviewRow(
            client_id=pk,
            name=name,
            slug=slug,
            sites=site_count,
            totals=Totals(
                visits=figures.sums.get(pk, {}).get(VISITS),
                bandwidth=figures.sums.get(pk, {}).get(BANDWIDTH),
                cdn_bandwidth=figures.sums.get(pk, {}).get(CDN_BANDWIDTH),
                disk_usage=figures.disk.get(pk),
            ),
            previous=Totals(
                visits=figures.previous.get(pk, {}).get(VISITS),
                bandwidth=figures.previous.get(pk, {}).get(BANDWIDTH),
                cdn_bandwidth=figures.previous.get(pk, {}).get(CDN_BANDWIDTH),
                disk_usage=figures.disk_previous.get(pk),
            )
            if compare is not None
            else None,
            visits_daily=figures.visits_daily.get(pk, no_data),
            days=period.days,
            compare_days=compare.days if compare is not None else 0,
        )
        for pk, name, slug, site_count in client_rows
    ]
    sort = sort if sort in OVERVIEW_SORTS else "name"
    return Overview(
        period=period,
        compare_period=compare,
        days=tuple(period.iter_days()),
        rows=tuple(_sorted(rows, sort, descending)),
        total_clients=clients.count() if search else len(rows),
        search=search,
        sort=sort,
        descending=descending,
        unmapped_sites=figures.unmapped_sites,
        accounts=account_health(),
    )
