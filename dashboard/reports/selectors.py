"""Report queries: plain dataclasses out, a fixed number of SQL queries whatever the number of sites.

The HTML report, the CSV export and the PDF all read the same `ClientReport`, so they cannot disagree.

Rules every selector here follows (they are the report's definitions, shown on the page; the figures'
own definitions and the SQL that adds them up live in kinsta_sync.figures, which the admin reads too):
- Totals count **live** environments only, as Kinsta's plans do; staging is reported separately.
- Visits, bandwidth and CDN bandwidth are **sums** over the days of the period.
- Disk usage is a daily gauge (bytes in use), so a period's disk figure is the **latest** value in the
  period, per environment; a client's disk is the sum of those latest values over its live sites.
- A day without a stored point is a **gap** (`None`), never zero. A total is `None` when no day of the
  period has data, and a change is `None` when either side has no data.
- A change is `change_ratio()`: when the comparison period has another number of days, summed metrics
  compare their averages per day (disk usage, a gauge, compares as it is).
- Days are Kinsta's analytics days; "today" and the activity log's times are in the client's time zone.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from clients.logos import client_logo_url
from clients.models import Client
from clients.selectors import today_in, unmapped_sites
from dashboard.reports import cache as report_cache
from dashboard.reports.periods import Period
from kinsta_sync.figures import (
    BANDWIDTH,
    CDN_BANDWIDTH,
    DISK_USAGE,
    METRICS,
    SUMMED_METRICS,
    VISITS,
    days_window,
    environment_sums,
    latest_disk,
)
from kinsta_sync.models import (
    ActivityLogEntry,
    AnalyticsPoint,
    Environment,
    KinstaAccount,
    Site,
    SyncRun,
)

# The report lists at most this many activity entries (newest first) and says when there were more.
ACTIVITY_LIMIT = 200


# --- Plain data -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """One figure per metric for a period. None means "no data", never zero."""

    visits: int | None = None
    bandwidth: int | None = None
    cdn_bandwidth: int | None = None
    disk_usage: int | None = None

    def get(self, metric: str) -> int | None:
        return getattr(self, metric)

    @classmethod
    def combine(cls, items: Iterable[Totals]) -> Totals:
        """Add up several environments' totals (None + None stays None; None + 5 is 5)."""
        sums: dict[str, int | None] = dict.fromkeys(METRICS)
        for item in items:
            for metric in METRICS:
                value = item.get(metric)
                if value is not None:
                    sums[metric] = (sums[metric] or 0) + value
        return cls(**sums)


def change_ratio(
    metric: str, current: int | None, previous: int | None, *, days: int, compare_days: int
) -> float | None:
    """The change of a figure against the comparison period (0.25 = +25 %): the one definition that the
    overview, the report and site pages, the CSV summary, the PDF and the e-mail all show.

    `days` and `compare_days` are the lengths of the period and of the comparison period. When they differ
    (November's 30 days against October's 31), a summed metric (visits, bandwidth, CDN bandwidth) compares
    its averages per day: the same visits every day is no change. Disk usage is a gauge (the latest value),
    so it compares as it is. None without data on either side, from a zero base, or without a comparison.
    """
    if current is None or previous is None or previous == 0 or days <= 0 or compare_days <= 0:
        return None
    if metric in SUMMED_METRICS and days != compare_days:
        return (current * compare_days) / (previous * days) - 1
    return (current - previous) / previous


def lengths_differ(period: Period, compare: Period | None) -> bool:
    """True when the comparison period has another number of days (then changes compare averages per day)."""
    return compare is not None and compare.days != period.days


@dataclass(frozen=True)
class Kpi:
    """A headline figure of the live environments, with the comparison period's figure."""

    metric: str
    value: int | None
    previous: int | None
    # Days of the period on which at least one live environment has data (coverage of the figure).
    days_with_data: int
    days: int
    compared: bool
    # The comparison period's length (0 without one): a change of a summed figure is per day when it differs.
    compare_days: int = 0

    @property
    def change(self) -> float | None:
        return change_ratio(self.metric, self.value, self.previous, days=self.days, compare_days=self.compare_days)

    @property
    def complete(self) -> bool:
        return self.days_with_data == self.days


@dataclass(frozen=True)
class EnvironmentReport:
    id: int
    kinsta_id: str
    site_id: int
    name: str
    display_name: str
    is_live: bool
    primary_domain: str
    domains: tuple[str, ...]
    php_version: str
    wordpress_version: str
    removed_at: datetime | None
    totals: Totals
    previous: Totals | None
    # metric -> one value per day of the period (report.days), None on days without data. Read for live
    # environments (and, on a site page, staging ones too); empty for a client report's staging ones.
    daily: dict[str, tuple[int | None, ...]]
    # metric -> number of days with data (where `daily` was read).
    days_with_data: dict[str, int]
    # The lengths of the period and of the comparison period (0 without one), for `change`.
    days: int = 0
    compare_days: int = 0

    def change(self, metric: str) -> float | None:
        previous = self.previous.get(metric) if self.previous else None
        return change_ratio(metric, self.totals.get(metric), previous, days=self.days, compare_days=self.compare_days)

    @property
    def visits_change(self) -> float | None:
        return self.change(VISITS)


@dataclass(frozen=True)
class SiteRow:
    id: int
    kinsta_id: str
    name: str
    display_name: str
    status: str
    labels: tuple[str, ...]
    removed_at: datetime | None
    environments: tuple[EnvironmentReport, ...]  # live first

    @property
    def live(self) -> EnvironmentReport | None:
        return next((env for env in self.environments if env.is_live), None)

    @property
    def staging(self) -> tuple[EnvironmentReport, ...]:
        return tuple(env for env in self.environments if not env.is_live)

    @property
    def totals(self) -> Totals:
        """The site's figures: its live environment's."""
        return self.live.totals if self.live else Totals()

    @property
    def previous(self) -> Totals | None:
        return self.live.previous if self.live else None


@dataclass(frozen=True)
class ActivityRow:
    occurred_at: datetime
    site_id: int | None
    site_name: str
    type: str
    description: str
    who: str
    role: str
    has_failed: bool
    has_warning: bool
    public_error: str
    is_done: bool


@dataclass(frozen=True)
class ClientInfo:
    id: int
    name: str
    slug: str
    language: str
    timezone: str
    brand_color: str
    logo_url: str


@dataclass(frozen=True)
class Analytics:
    """Everything measured for a set of environments over a period (and its comparison period)."""

    period: Period
    compare_period: Period | None
    days: tuple[date, ...]
    compare_days: tuple[date, ...]
    sites: tuple[SiteRow, ...]
    kpis: tuple[Kpi, ...]
    live_totals: Totals
    staging_totals: Totals
    staging_previous: Totals | None
    # metric -> per day, summed over live environments (None on days where none has data).
    live_daily: dict[str, tuple[int | None, ...]]
    # The comparison period's live visits per day, one value per day of compare_days ({} without one).
    compare_live_daily: dict[str, tuple[int | None, ...]]

    def kpi(self, metric: str) -> Kpi:
        return next(k for k in self.kpis if k.metric == metric)

    @property
    def lengths_differ(self) -> bool:
        """The comparison period has another number of days: the page says so (changes are per day)."""
        return lengths_differ(self.period, self.compare_period)

    @property
    def live_sites(self) -> tuple[SiteRow, ...]:
        return tuple(site for site in self.sites if site.live is not None)

    @property
    def staging_environments(self) -> tuple[tuple[SiteRow, EnvironmentReport], ...]:
        return tuple((site, env) for site in self.sites for env in site.staging)

    @property
    def has_data(self) -> bool:
        return any(k.days_with_data for k in self.kpis) or any(
            v is not None for v in (self.staging_totals.visits, self.staging_totals.disk_usage)
        )


@dataclass(frozen=True)
class ClientReport(Analytics):
    """The client report: what the page, the CSV export and the PDF show."""

    client: ClientInfo
    activity: tuple[ActivityRow, ...]
    # True when the period had more than ACTIVITY_LIMIT entries (only the newest are listed).
    activity_truncated: bool
    generated_at: datetime = field(default_factory=timezone.now)


@dataclass(frozen=True)
class SiteReport(Analytics):
    """One site's page: its environments (the only SiteRow in `sites`) and their analytics."""

    client: ClientInfo

    @property
    def site(self) -> SiteRow:
        return self.sites[0]


# --- Shared building blocks -------------------------------------------------------------------------------


def client_info(client: Client) -> ClientInfo:
    return ClientInfo(
        id=client.pk,
        name=client.name,
        slug=client.slug,
        language=client.language,
        timezone=client.timezone,
        brand_color=client.brand_color,
        logo_url=client_logo_url(client),
    )


def client_today(client: Client | ClientInfo) -> date:
    """Today in the client's time zone (the day the period presets count back from; the admin's too)."""
    return today_in(client.timezone)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _environments(where: Q, period: Period, compare: Period | None) -> list[Environment]:
    """The environments (with their site) matching `where`, each with its latest disk reading in the period
    and in the comparison period, in one query."""
    queryset = Environment.objects.filter(where).select_related("site")
    queryset = queryset.order_by("site__display_name", "site_id", "-is_live", "name", "pk")
    queryset = queryset.annotate(disk=latest_disk(period))
    if compare is not None:
        queryset = queryset.annotate(previous_disk=latest_disk(compare))
    return list(queryset)


def _labels(site_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    through = Site.labels.through
    labels: dict[int, list[str]] = defaultdict(list)
    for site_id, name in (
        through.objects.filter(site_id__in=site_ids)
        .order_by("sitelabel__name")
        .values_list("site_id", "sitelabel__name")
    ):
        labels[site_id].append(name)
    return {site_id: tuple(names) for site_id, names in labels.items()}


def _analytics(
    environments: list[Environment],
    period: Period,
    compare: Period | None,
    *,
    points: Q,
    staging_daily: bool,
) -> dict[str, Any]:
    """Aggregate the points of these environments (3 queries, each an index range scan):

    1. per environment and summed metric: the period's sum and the comparison's sum
       (`kinsta_sync.figures.environment_sums`, as the admin's; the latest disk readings come with the
       environments);
    2. the comparison period's live visits per day (the line over the visits chart);
    3. every point of the period of the live environments (and the staging ones with `staging_daily`):
       the per-site charts, the days with data, and summed in Python, the live totals per day.

    `points` selects the environments' points through joins (environment -> site -> assignment) rather
    than a list of ids: PostgreSQL then walks the (environment, metric, day) index once per environment,
    where with `environment_id = ANY(...)` it chose the plain environment index and filtered every day of
    every metric. Both periods are read in one pass (conditional aggregates); `order_by()` everywhere, or
    the model's default ordering would join environments and sites just to sort.
    """
    days = tuple(period.iter_days())
    n = len(days)
    live_ids = [env.pk for env in environments if env.is_live]
    daily_ids = {env.pk for env in environments if env.is_live or staging_daily}
    daily_points = points if staging_daily else Q(points, environment__is_live=True)
    in_period = Q(day__gte=period.start, day__lte=period.end)
    compare_days: tuple[date, ...] = tuple(compare.iter_days()) if compare is not None else ()

    totals = environment_sums(points, period, compare) if environments else {}
    compare_visits: list[int | None] = [None] * len(compare_days)
    per_env: dict[int, dict[str, list[int | None]]] = {env_id: {m: [None] * n for m in METRICS} for env_id in daily_ids}
    if compare is not None and live_ids:
        for day, total in (
            AnalyticsPoint.objects.filter(
                points, environment__is_live=True, metric=VISITS, day__gte=compare.start, day__lte=compare.end
            )
            .order_by()
            .values("day")
            .annotate(total=Sum("value"))
            .values_list("day", "total")
        ):
            compare_visits[(day - compare.start).days] = total
    if daily_ids:
        for env_id, metric, day, value in (
            AnalyticsPoint.objects.filter(daily_points, in_period, metric__in=METRICS)
            .order_by()
            .values_list("environment_id", "metric", "day", "value")
        ):
            per_env[env_id][metric][(day - period.start).days] = value
    live_daily: dict[str, list[int | None]] = {m: [None] * n for m in METRICS}
    for env_id in live_ids:
        for metric, column in per_env[env_id].items():
            out = live_daily[metric]
            for i, value in enumerate(column):
                if value is not None:
                    out[i] = value if out[i] is None else out[i] + value  # type: ignore[operator]

    return {
        "days": days,
        "totals": totals,
        "live_daily": {m: tuple(v) for m, v in live_daily.items()},
        "compare_days": compare_days,
        "compare_live_daily": {VISITS: tuple(compare_visits)} if compare is not None else {},
        "per_env": per_env,
    }


def _environment_report(
    env: Environment,
    totals: dict[str, dict[str, Any]],
    daily: dict[str, list[int | None]] | None,
    period: Period,
    compare: Period | None,
) -> EnvironmentReport:
    def total(metric: str) -> int | None:
        return totals[metric]["total"] if metric in totals else None

    def previous_total(metric: str) -> int | None:
        return totals[metric].get("previous") if metric in totals else None

    days_with_data = (
        {metric: sum(1 for value in values if value is not None) for metric, values in daily.items()} if daily else {}
    )
    previous = None
    if compare is not None:
        previous = Totals(
            visits=previous_total(VISITS),
            bandwidth=previous_total(BANDWIDTH),
            cdn_bandwidth=previous_total(CDN_BANDWIDTH),
            disk_usage=getattr(env, "previous_disk", None),
        )
    return EnvironmentReport(
        id=env.pk,
        kinsta_id=env.kinsta_id,
        site_id=env.site_id,
        name=env.name,
        display_name=env.display_name,
        is_live=env.is_live,
        primary_domain=env.primary_domain,
        domains=tuple(d for d in (env.domains or []) if isinstance(d, str)),
        php_version=env.php_version,
        wordpress_version=env.wordpress_version,
        removed_at=env.removed_at,
        totals=Totals(
            visits=total(VISITS),
            bandwidth=total(BANDWIDTH),
            cdn_bandwidth=total(CDN_BANDWIDTH),
            disk_usage=getattr(env, "disk", None),
        ),
        previous=previous,
        daily={metric: tuple(values) for metric, values in (daily or {}).items()},
        days_with_data=days_with_data,
        days=period.days,
        compare_days=compare.days if compare is not None else 0,
    )


def _build(
    environments: list[Environment], period: Period, compare: Period | None, *, points: Q, staging_daily: bool
) -> dict[str, Any]:
    """The fields of `Analytics` for these environments: 1 query for labels + 3 for the analytics."""
    data = _analytics(environments, period, compare, points=points, staging_daily=staging_daily)
    days, n = data["days"], len(data["days"])
    labels = _labels(sorted({env.site_id for env in environments}))

    env_reports = [
        _environment_report(env, data["totals"].get(env.pk, {}), data["per_env"].get(env.pk), period, compare)
        for env in environments
    ]
    sites: list[SiteRow] = []
    by_site: dict[int, list[EnvironmentReport]] = defaultdict(list)
    site_of: dict[int, Site] = {}
    for env, report in zip(environments, env_reports, strict=True):
        by_site[env.site_id].append(report)
        site_of[env.site_id] = env.site
    for site_id, envs in by_site.items():
        site = site_of[site_id]
        sites.append(
            SiteRow(
                id=site.pk,
                kinsta_id=site.kinsta_id,
                name=site.name,
                display_name=site.display_name,
                status=site.status,
                labels=labels.get(site.pk, ()),
                removed_at=site.removed_at,
                environments=tuple(envs),
            )
        )

    live = [e for e in env_reports if e.is_live]
    staging = [e for e in env_reports if not e.is_live]
    live_daily = data["live_daily"]
    live_totals = Totals.combine(e.totals for e in live)
    live_previous = Totals.combine(e.previous for e in live if e.previous) if compare is not None else None
    kpis = tuple(
        Kpi(
            metric=m,
            value=live_totals.get(m),
            previous=live_previous.get(m) if live_previous else None,
            days_with_data=sum(1 for v in live_daily[m] if v is not None),
            days=n,
            compared=compare is not None,
            compare_days=compare.days if compare is not None else 0,
        )
        for m in METRICS
    )
    return {
        "period": period,
        "compare_period": compare,
        "days": days,
        "compare_days": data["compare_days"],
        "sites": tuple(sites),
        "kpis": kpis,
        "live_totals": live_totals,
        "staging_totals": Totals.combine(e.totals for e in staging),
        "staging_previous": Totals.combine(e.previous for e in staging if e.previous) if compare else None,
        "live_daily": live_daily,
        "compare_live_daily": data["compare_live_daily"],
    }


def _day_bounds(period: Period, zone_name: str) -> tuple[datetime, datetime]:
    """The period as [first midnight, midnight after the last day) in the client's time zone."""
    zone = _zone(zone_name)
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _activity(site_names: dict[int, str], period: Period, zone_name: str) -> tuple[tuple[ActivityRow, ...], bool]:
    start, end = _day_bounds(period, zone_name)
    rows = list(
        ActivityLogEntry.objects.filter(site_id__in=list(site_names), occurred_at__gte=start, occurred_at__lt=end)
        .order_by("-occurred_at", "-kinsta_id")
        .values_list(
            "occurred_at", "site_id", "type", "description", "initiated_by_name", "api_key_name",
            "initiated_by_role", "has_failed", "has_warning", "public_error", "is_done",
        )[: ACTIVITY_LIMIT + 1]
    )  # fmt: skip
    entries = tuple(
        ActivityRow(
            occurred_at=occurred_at,
            site_id=site_id,
            site_name=site_names.get(site_id, ""),
            type=type_,
            description=description,
            # An action through the API has no person, only the key's name.
            who=by_name or (f"API: {key_name}" if key_name else ""),
            role=role,
            has_failed=has_failed,
            has_warning=has_warning,
            public_error=public_error,
            is_done=is_done,
        )
        for (occurred_at, site_id, type_, description, by_name, key_name, role, has_failed, has_warning,
             public_error, is_done) in rows[:ACTIVITY_LIMIT]
    )  # fmt: skip
    return entries, len(rows) > ACTIVITY_LIMIT


# --- Selectors --------------------------------------------------------------------------------------------


def client_report(
    *, client: Client, period: Period, compare: Period | None, cache_version: str | None = None
) -> ClientReport:
    """The client's report for a period, compared with `compare` (None: no comparison).

    Runs 6 queries whatever the number of sites (tests/reports/test_selectors.py pins it): environments with their
    sites and latest disk readings, labels, sums per environment for both periods, the comparison's live
    visits per day, the live environments' points, and the activity log.

    With `cache_version` (dashboard.reports.cache.data_version()) the report is cached under it, the client and the
    periods; a cached report gets the client's details from `client` and a fresh `generated_at`.
    """
    if cache_version is not None:
        parts = (*report_cache.client_parts(client), *report_cache.period_parts(period),
                 *report_cache.period_parts(compare))  # fmt: skip
        report = report_cache.get_or_compute(
            cache_version, "client-report", parts, lambda: client_report(client=client, period=period, compare=compare)
        )
        return replace(report, client=client_info(client), generated_at=timezone.now())
    environments = _environments(Q(site__assignment__client=client), period, compare)
    points = Q(environment__site__assignment__client=client)
    fields = _build(environments, period, compare, points=points, staging_daily=False)
    site_names = {site.id: site.display_name for site in fields["sites"]}
    activity, truncated = _activity(site_names, period, client.timezone)
    return ClientReport(**fields, client=client_info(client), activity=activity, activity_truncated=truncated)


def site_report(
    *, client: Client, site_id: int, period: Period, compare: Period | None, cache_version: str | None = None
) -> SiteReport | None:
    """One of the client's sites with all its environments; None when the site is not the client's.

    With `cache_version`, cached like `client_report` (a None answer is not kept).
    """
    if cache_version is not None:
        parts = (*report_cache.client_parts(client), site_id, *report_cache.period_parts(period),
                 *report_cache.period_parts(compare))  # fmt: skip
        report = report_cache.get_or_compute(
            cache_version,
            "site-report",
            parts,
            lambda: site_report(client=client, site_id=site_id, period=period, compare=compare),
        )
        return replace(report, client=client_info(client)) if report is not None else None
    environments = _environments(Q(site_id=site_id, site__assignment__client=client), period, compare)
    if not environments:
        return None
    points = Q(environment__site_id=site_id, environment__site__assignment__client=client)
    fields = _build(environments, period, compare, points=points, staging_daily=True)
    return SiteReport(**fields, client=client_info(client))


# --- The agency overview ----------------------------------------------------------------------------------


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
class AccountHealth:
    id: int
    name: str
    company_id: str
    masked_api_key: str
    api_key_status: str
    api_key_expires_at: datetime | None
    last_success_at: datetime | None
    running: SyncRunRow | None
    last_run: SyncRunRow | None

    @property
    def key_expires_soon(self) -> bool:
        if self.api_key_expires_at is None:
            return False
        return self.api_key_expires_at - timezone.now() < timedelta(days=14)


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


# --- Sync health ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRunRow:
    id: int
    account_id: int
    account_name: str
    trigger: str
    trigger_label: str
    steps: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None
    status: str
    status_label: str
    counts: dict[str, dict[str, int]]
    requests: int
    throttled: int
    retries: int
    errors: tuple[dict[str, str], ...]
    current_step: str
    progress_done: int
    progress_total: int

    @property
    def is_running(self) -> bool:
        return self.status == SyncRun.Status.RUNNING

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to end, never negative (as SyncRun.duration_seconds); None while running."""
        if self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def progress_percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))


def _run_row(run: SyncRun, account_name: str) -> SyncRunRow:
    errors = run.errors if isinstance(run.errors, list) else []
    counts = run.counts if isinstance(run.counts, dict) else {}
    return SyncRunRow(
        id=run.pk,
        account_id=run.account_id,
        account_name=account_name,
        trigger=run.trigger,
        trigger_label=run.get_trigger_display(),
        steps=tuple(str(s) for s in (run.steps or [])),
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        status_label=run.get_status_display(),
        counts={str(k): v for k, v in counts.items() if isinstance(v, dict)},
        requests=run.requests,
        throttled=run.throttled,
        retries=run.retries,
        errors=tuple({k: str(v) for k, v in e.items()} for e in errors if isinstance(e, dict)),
        current_step=run.current_step,
        progress_done=run.progress_done,
        progress_total=run.progress_total,
    )


def account_health() -> tuple[AccountHealth, ...]:
    """Per active account: the last success, the running run and the latest run (2 queries)."""
    latest = SyncRun.objects.filter(account=OuterRef("pk")).order_by("-started_at", "-pk").values("pk")[:1]
    running = (
        SyncRun.objects.filter(account=OuterRef("pk"), status=SyncRun.Status.RUNNING)
        .order_by("-started_at", "-pk")
        .values("pk")[:1]
    )
    accounts = list(
        KinstaAccount.objects.filter(is_active=True)
        .annotate(
            last_success=Max("sync_runs__finished_at", filter=Q(sync_runs__status=SyncRun.Status.SUCCESS)),
            latest_run=Subquery(latest),
            running_run=Subquery(running),
        )
        .order_by("name")
    )
    run_ids = {a.latest_run for a in accounts} | {a.running_run for a in accounts}
    runs = {run.pk: run for run in SyncRun.objects.filter(pk__in=[i for i in run_ids if i is not None])}
    return tuple(
        AccountHealth(
            id=a.pk,
            name=a.name,
            company_id=a.company_id,
            masked_api_key=a.masked_api_key,
            api_key_status=a.api_key_status,
            api_key_expires_at=a.api_key_expires_at,
            last_success_at=a.last_success,
            running=_run_row(runs[a.running_run], a.name) if a.running_run in runs else None,
            last_run=_run_row(runs[a.latest_run], a.name) if a.latest_run in runs else None,
        )
        for a in accounts
    )


@dataclass(frozen=True)
class SyncPage:
    accounts: tuple[AccountHealth, ...]
    runs: tuple[SyncRunRow, ...]

    @property
    def any_running(self) -> bool:
        return any(a.running for a in self.accounts)


SYNC_PAGE_RUNS = 50


def sync_page(*, limit: int = SYNC_PAGE_RUNS) -> SyncPage:
    """The sync page: account health and the latest runs of every account (3 queries)."""
    runs = SyncRun.objects.select_related("account").order_by("-started_at", "-pk")[:limit]
    return SyncPage(accounts=account_health(), runs=tuple(_run_row(run, run.account.name) for run in runs))


def sync_target(*, account_id: int) -> tuple[KinstaAccount, bool] | None:
    """The active account "Sync now" asks for, and whether a run of it is going; None if there is none."""
    account = (
        KinstaAccount.objects.filter(pk=account_id, is_active=True)
        .annotate(running=Count("sync_runs", filter=Q(sync_runs__status=SyncRun.Status.RUNNING)))
        .first()
    )
    if account is None:
        return None
    # A run left 'running' by a killed process no longer holds the lease: it does not block a new sync
    # (which marks it failed when it starts).
    lease_held = account.sync_lease_until is not None and account.sync_lease_until > timezone.now()
    return account, bool(account.running) and lease_held  # type: ignore[attr-defined]
