"""The "Plan usage" section of a client's report (slot end, order 40): a client with a quota sees its use of
the quota in the billing month the report's period ends in, and the projection for the month's end.

Registered in UsageConfig.ready() through dashboard.reports.sections; the data is plain JSON, so the same
dict is the section's snapshot for the report e-mail. Eight queries whatever the number of sites.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dashboard.reports import sections
from dashboard.usage.allocation import quota_amounts
from dashboard.usage.billing import month_containing
from dashboard.usage.forecast import HISTORY_DAYS, daily_series, default_as_of, project
from dashboard.usage.models import ClientQuota, Plan
from kinsta_sync.figures import DISK_USAGE, METRICS, live_site_figures
from kinsta_sync.models import KinstaAccount, Site


def build(request: sections.SectionRequest) -> dict[str, Any] | None:
    client = request.client
    quota = ClientQuota.objects.filter(client=client).first()
    limits = {metric: limit for metric, limit in quota_amounts(quota).items() if limit is not None}
    if not limits:
        return None
    account_id = Site.objects.filter(assignment__client=client).order_by("pk").values_list("account_id", flat=True)
    account = KinstaAccount.objects.filter(pk__in=account_id[:1]).first()
    if account is None:
        return None
    plan = Plan.objects.filter(account=account).first()
    month = month_containing(request.period.end, plan.billing_day if plan else 1)
    as_of = default_as_of(account, month, timezone.localdate())
    mine = Q(site__assignment__client=client)
    figures = live_site_figures(
        environments=mine & Q(site__account=account),
        points=Q(environment__site__assignment__client=client, environment__site__account=account),
        period=month,
    )
    series = daily_series(
        account,
        [],
        start=min(month.start, as_of) - timedelta(days=HISTORY_DAYS - 1),
        end=min(as_of, month.end),
        points=Q(environment__site__assignment__client=client),
    ).get(client.pk, {})
    rows = []
    for metric in METRICS:
        if metric not in limits:
            continue
        used = sum(site.get(metric) or 0 for site in figures.values())
        projection = project(dict(series.get(metric, {})), month=month, as_of=as_of, gauge=metric == DISK_USAGE)
        limit = limits[metric]
        rows.append(
            {
                "metric": metric,
                "used": used,
                "quota": limit,
                "used_ratio": used / limit if limit else None,
                "projected": projection.projected,
                "low": projection.low,
                "high": projection.high,
                "projected_ratio": projection.projected / limit if limit else None,
            }
        )
    return {
        "month_start": month.start.isoformat(),
        "month_end": month.end.isoformat(),
        "finished": as_of >= month.end,
        "rows": rows,
    }


def register() -> None:
    sections.register(
        sections.Section(
            name="usage-quota",
            build=build,
            templates={
                sections.SURFACE_PAGE: "usage/section_page.html",
                sections.SURFACE_PDF: "usage/section_page.html",
                sections.SURFACE_EMAIL: "usage/section_email.html",
                sections.SURFACE_EMAIL_TEXT: "usage/section_email.txt",
            },
            slot=sections.SLOT_END,
            order=40,
            snapshot=lambda data: data,
        )
    )
