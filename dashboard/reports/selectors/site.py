"""One site's page: the site with all its environments, staging included, and their analytics."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Q

from clients.models import Client
from dashboard.reports import cache as report_cache
from dashboard.reports.periods import Period
from dashboard.reports.selectors.analytics import Analytics, SiteRow, analytics_fields, report_environments
from dashboard.reports.selectors.client import ClientInfo, client_info


@dataclass(frozen=True)
class SiteReport(Analytics):
    """One site's page: its environments (the only SiteRow in `sites`) and their analytics."""

    client: ClientInfo

    @property
    def site(self) -> SiteRow:
        return self.sites[0]


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
    environments = report_environments(Q(site_id=site_id, site__assignment__client=client), period, compare)
    if not environments:
        return None
    points = Q(environment__site_id=site_id, environment__site__assignment__client=client)
    fields = analytics_fields(environments, period, compare, points=points, staging_daily=True)
    return SiteReport(**fields, client=client_info(client))
