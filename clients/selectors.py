"""Read-only queries about clients and their sites (services write, selectors read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import BigIntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from clients.models import Client
from kinsta_sync.models import AnalyticsPoint, Metric, Site, today_utc

# Metrics that add up over a period. Disk usage is a level, not a flow: summing days of it means nothing.
SUMMED_METRICS = (Metric.VISITS, Metric.BANDWIDTH, Metric.CDN_BANDWIDTH)


def unmapped_sites(*, include_removed: bool = False, account_id: int | None = None) -> QuerySet[Site]:
    """Sites no client has. Removed sites are left out unless asked for: there is nothing left to report."""
    sites = Site.objects.filter(assignment__isnull=True)
    if not include_removed:
        sites = sites.present()
    if account_id is not None:
        sites = sites.filter(account_id=account_id)
    return sites


def client_sites(*, client: Client, include_removed: bool = True) -> QuerySet[Site]:
    """The client's sites; removed ones too by default, so their history stays in the client's reports."""
    sites = Site.objects.filter(assignment__client=client)
    if not include_removed:
        sites = sites.present()
    return sites


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


def last_days(days: int = 30, *, today: date | None = None) -> Period:
    """The `days` full days ending yesterday (UTC): today's figures are still growing."""
    end = (today or today_utc()) - timedelta(days=1)
    return Period(start=end - timedelta(days=days - 1), end=end)


def client_period_totals(*, client: Client, period: Period) -> dict[str, int]:
    """{metric: total} over all the client's sites (removed ones included) in one query."""
    rows = (
        AnalyticsPoint.objects.filter(
            environment__site__assignment__client=client,
            metric__in=SUMMED_METRICS,
            day__gte=period.start,
            day__lte=period.end,
        )
        .values("metric")
        .annotate(total=Sum("value"))
        .order_by()
    )
    totals = dict.fromkeys(SUMMED_METRICS, 0)
    for row in rows:
        totals[row["metric"]] = row["total"] or 0
    return {str(metric): value for metric, value in totals.items()}


def with_period_totals(sites_or_assignments: QuerySet, *, period: Period, site_field: str = "pk") -> QuerySet:
    """Annotate `total_<metric>` for each summed metric, one subquery per metric (no join fan-out).

    `site_field` is the path to the site's id from the queryset's model ("pk" for sites, "site_id" for
    assignments).
    """
    annotations = {}
    for metric in SUMMED_METRICS:
        sums = (
            AnalyticsPoint.objects.filter(
                environment__site_id=OuterRef(site_field), metric=metric, day__gte=period.start, day__lte=period.end
            )
            .order_by()
            .values("environment__site_id")
            .annotate(total=Sum("value"))
            .values("total")
        )
        annotations[f"total_{metric}"] = Coalesce(Subquery(sums, output_field=BigIntegerField()), 0)
    return sites_or_assignments.annotate(**annotations)
