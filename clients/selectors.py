"""Read-only queries about clients and their sites (services write, selectors read)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from clients.models import Client
from kinsta_sync.figures import METRICS, live_site_figures
from kinsta_sync.models import Site


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
        return gettext("%(start)s to %(end)s") % {"start": f"{self.start:%Y-%m-%d}", "end": f"{self.end:%Y-%m-%d}"}


# The report's default period (dashboard.reports.periods.DEFAULT_PRESET, "30 days"): the admin's figures cover the
# same days, so they are the report's figures (tests/test_clients_admin.py holds the two together).
REPORT_DEFAULT_DAYS = 30


def today_in(zone_name: str) -> date:
    """Today in a client's time zone (the day the report's periods count back from); UTC if unknown."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


def last_days(days: int = REPORT_DEFAULT_DAYS, *, today: date) -> Period:
    """The `days` full days ending yesterday: today's figures are still growing."""
    end = today - timedelta(days=1)
    return Period(start=end - timedelta(days=days - 1), end=end)


@dataclass(frozen=True)
class ClientFigures:
    """The report's figures of a client's sites over a period (kinsta_sync.figures: live environments,
    sums of the days, disk as its latest value)."""

    period: Period
    # site id -> metric -> figure (None: no data); sites without a live environment are missing.
    sites: dict[int, dict[str, int | None]]

    def site(self, site_id: int) -> dict[str, int | None]:
        return self.sites.get(site_id) or dict.fromkeys(METRICS)

    @property
    def totals(self) -> dict[str, int | None]:
        """The client's figures: its sites' added up (None when no site has data)."""
        totals: dict[str, int | None] = dict.fromkeys(METRICS)
        for figures in self.sites.values():
            for metric, value in figures.items():
                if value is not None:
                    totals[metric] = (totals[metric] or 0) + value
        return totals


def client_figures(*, client: Client, period: Period | None = None) -> ClientFigures:
    """The client's figures per site as its report shows them, over the report's default period (the last
    30 days in the client's time zone) unless told. Removed sites count, as in the report. Two queries
    whatever the number of sites."""
    period = period or last_days(REPORT_DEFAULT_DAYS, today=today_in(client.timezone))
    sites = live_site_figures(
        environments=Q(site__assignment__client=client),
        points=Q(environment__site__assignment__client=client),
        period=period,
    )
    return ClientFigures(period=period, sites=sites)
