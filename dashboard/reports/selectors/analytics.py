"""The aggregate every report page is built from: environments, their sites, and their analytics.

`Analytics` is what the client report and the site page share (`ClientReport`, `SiteReport` add their
own parts): each environment's figures for the period and the comparison (`EnvironmentReport`), grouped by
site (`SiteRow`), the headline figures (`Kpi`) and the live totals per day. `report_environments` reads the
environments and `analytics_fields` everything else, in 4 queries whatever the number of sites.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet, Sum

from dashboard.reports.periods import Period
from dashboard.reports.selectors.figures import Kpi, Totals, change_ratio, lengths_differ
from kinsta_sync.figures import BANDWIDTH, CDN_BANDWIDTH, METRICS, VISITS, environment_sums, latest_disk
from kinsta_sync.models import AnalyticsPoint, Environment, Site


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
    # The comparison period's live totals per metric and day, one value per day of compare_days ({} without one).
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


def report_environments(where: Q, period: Period, compare: Period | None) -> list[Environment]:
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


def raw_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a `values_list()` queryset fetched at once from the cursor, without the ORM's converter
    call per value: the report's daily read is some 6,000 rows per 50 sites, and the converters and chunked
    fetching were a fifth of a cold report page's time. Values come as the database driver gives them."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
    2. the comparison period's live totals per metric and day (the dashed lines over the charts);
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
    compare_live: dict[str, list[int | None]] = {m: [None] * len(compare_days) for m in METRICS}
    per_env: dict[int, dict[str, list[int | None]]] = {env_id: {m: [None] * n for m in METRICS} for env_id in daily_ids}
    if compare is not None and live_ids:
        for metric, day, total in (
            AnalyticsPoint.objects.filter(
                points, environment__is_live=True, metric__in=METRICS, day__gte=compare.start, day__lte=compare.end
            )
            .order_by()
            .values("metric", "day")
            .annotate(total=Sum("value"))
            .values_list("metric", "day", "total")
        ):
            compare_live[metric][(day - compare.start).days] = total
    live_daily: dict[str, list[int | None]] = {m: [None] * n for m in METRICS}
    if daily_ids:
        # One pass over the rows (the page's largest read): each point goes into its environment's series and,
        # for a live environment, into the live total of its day.
        # Rows straight from the cursor (`raw_rows`): the day comes as the database gives it, a date on
        # PostgreSQL and ISO text on SQLite, so the index knows both.
        index: dict[date | str, int] = {day: i for i, day in enumerate(days)}
        index.update({day.isoformat(): i for i, day in enumerate(days)})
        live = set(live_ids)
        for env_id, metric, day, value in raw_rows(
            AnalyticsPoint.objects.filter(daily_points, in_period, metric__in=METRICS)
            .order_by()
            .values_list("environment_id", "metric", "day", "value")
        ):
            i = index[day]
            per_env[env_id][metric][i] = value
            if env_id in live and value is not None:
                out = live_daily[metric]
                previous = out[i]
                out[i] = value if previous is None else previous + value

    return {
        "days": days,
        "totals": totals,
        "live_daily": {m: tuple(v) for m, v in live_daily.items()},
        "compare_days": compare_days,
        "compare_live_daily": {m: tuple(v) for m, v in compare_live.items()} if compare is not None else {},
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

    days_with_data = {metric: len(values) - values.count(None) for metric, values in daily.items()} if daily else {}
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


def analytics_fields(
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
            days_with_data=len(live_daily[m]) - live_daily[m].count(None),
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
