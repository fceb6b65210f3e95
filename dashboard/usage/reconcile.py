"""Our month-to-date figures checked against Kinsta's own count (REFERENCE §4.4), on a slow schedule.

`fetch_kinsta_usage()` (daily, django-q2: dashboard.usage.schedules) asks Kinsta for each present site's
visits, server bandwidth and CDN bandwidth of this month: three requests per site a day, through the sync's
client (its rate budget and retries), and stores them (`KinstaUsage`, one row per site, metric and month,
upserted). A site whose requests fail costs only itself; the errors are returned and logged.

`reconciliation()` compares the stored numbers with the same sites' figures from our daily analytics over the
same days (the month's first day to the day Kinsta's numbers were fetched). Kinsta's per-site numbers count
every environment of the site (as the fake does; REFERENCE leaves it open), so ours are read over all
environments here too, not the live-only figures the plan is billed on. A difference beyond `TOLERANCE` is
shown on the usage page, never hidden.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Q, Sum
from django.utils import timezone

from dashboard.usage.billing import BillingMonth, month_containing
from dashboard.usage.models import KinstaUsage, Plan
from kinsta_sync.api.errors import KinstaError
from kinsta_sync.figures import BANDWIDTH, CDN_BANDWIDTH, VISITS
from kinsta_sync.models import AnalyticsPoint, KinstaAccount, Site

logger = logging.getLogger(__name__)

TOLERANCE = 0.02  # 2 %: a day's late data at the month's start stays inside it
RECONCILED = (VISITS, BANDWIDTH, CDN_BANDWIDTH)


def fetch_kinsta_usage(*, account: KinstaAccount, today: date | None = None, client=None) -> list[str]:  # type: ignore[no-untyped-def]
    """Fetch and store Kinsta's this-month usage of every present site; the errors, one line per site."""
    from kinsta_sync.sync.run import client_for_account

    today = today or timezone.localdate()
    plan = Plan.objects.filter(account=account).first()
    month = month_containing(today, plan.billing_day if plan else 1)
    errors: list[str] = []
    rows: list[KinstaUsage] = []
    kinsta = client or client_for_account(account)
    try:
        for site in Site.objects.filter(account=account).present().order_by("pk"):
            try:
                usage = kinsta.this_month_usage(site.kinsta_id)
            except KinstaError as error:
                errors.append(f"{site.kinsta_id}: {error}")
                continue
            now = timezone.now()
            for metric, value in (
                (VISITS, usage.visits),
                (BANDWIDTH, usage.bandwidth),
                (CDN_BANDWIDTH, usage.cdn_bandwidth),
            ):
                rows.append(
                    KinstaUsage(
                        site=site,
                        month_start=month.start,
                        metric=metric,
                        value=value,
                        through_day=today,
                        fetched_at=now,
                    )
                )
    finally:
        if client is None:
            kinsta.close()
    KinstaUsage.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["site", "metric", "month_start"],
        update_fields=["value", "through_day", "fetched_at"],
    )
    for line in errors:
        logger.warning("Kinsta usage of %s: %s", account.name, line)
    return errors


@dataclass(frozen=True)
class Check:
    metric: str
    kinsta: int
    ours: int
    through_day: date

    @property
    def difference(self) -> float | None:
        """(ours - Kinsta's) / Kinsta's; None when Kinsta counts 0."""
        return (self.ours - self.kinsta) / self.kinsta if self.kinsta else None

    @property
    def differs(self) -> bool:
        if self.kinsta == 0:
            return self.ours != 0
        return abs(self.difference or 0) > TOLERANCE


def reconciliation(*, account: KinstaAccount, month: BillingMonth) -> list[Check]:
    """Per metric: Kinsta's count of the month against ours over the same sites and days. Two queries."""
    stored = {
        row["metric"]: row
        for row in KinstaUsage.objects.filter(site__account=account, month_start=month.start)
        .order_by()
        .values("metric")
        .annotate(total=Sum("value"), through=Max("through_day"))
    }
    if not stored:
        return []
    through = max(row["through"] for row in stored.values())
    ours = {
        row["metric"]: row["total"]
        for row in AnalyticsPoint.objects.filter(
            Q(environment__site__kinsta_usage__month_start=month.start)
            & Q(environment__site__kinsta_usage__metric=VISITS),
            environment__site__account=account,
            metric__in=RECONCILED,
            day__gte=month.start,
            day__lte=through,
        )
        .order_by()
        .values("metric")
        .annotate(total=Sum("value"))
    }
    return [
        Check(metric, stored[metric]["total"] or 0, ours.get(metric) or 0, through)
        for metric in RECONCILED
        if metric in stored
    ]
