"""The client report: the client's sites and their analytics over a period, and the activity log.

The HTML report, the CSV export, the PDF and the report e-mail all read this `ClientReport`.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from clients.logos import client_logo_url
from clients.models import Client
from clients.selectors import today_in
from dashboard.reports import cache as report_cache
from dashboard.reports.periods import Period
from dashboard.reports.selectors.analytics import Analytics, analytics_fields, report_environments
from kinsta_sync.models import ActivityLogEntry

# The report lists at most this many activity entries (newest first) and says when there were more.
ACTIVITY_LIMIT = 200


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
class ClientReport(Analytics):
    """The client report: what the page, the CSV export and the PDF show."""

    client: ClientInfo
    activity: tuple[ActivityRow, ...]
    # True when the period had more than ACTIVITY_LIMIT entries (only the newest are listed).
    activity_truncated: bool
    generated_at: datetime = field(default_factory=timezone.now)


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


def _day_bounds(period: Period, zone_name: str) -> tuple[datetime, datetime]:
    """The period as [first midnight, midnight after the last day) in the client's time zone."""
    zone = _zone(zone_name)
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


# Who is looking at a report: the staff's report page sees the whole activity log; the others (the client's
# users, a share link, the PDF or CSV made for the client, the e-mail) see what the client's
# `activity_shown_to_client` allows.
AUDIENCE_STAFF = "staff"
AUDIENCE_CLIENT = "client"
AUDIENCE_SHARE = "share"
AUDIENCE_PDF = "pdf"
AUDIENCE_EMAIL = "email"
AUDIENCES = (AUDIENCE_STAFF, AUDIENCE_CLIENT, AUDIENCE_SHARE, AUDIENCE_PDF, AUDIENCE_EMAIL)


def activity_shown(client: Client, audience: str) -> str:
    """What `audience` sees of the client's activity log: "all", "no_names" or "successful"."""
    if audience not in AUDIENCES:
        raise ValueError(f"Unknown audience {audience!r}")
    if audience == AUDIENCE_STAFF:
        return str(Client.ActivityShown.ALL.value)  # a plain str: it is part of cache keys (repr)
    return str(client.activity_shown_to_client or Client.ActivityShown.SUCCESSFUL.value)


def _activity(
    site_names: dict[int, str], period: Period, zone_name: str, shown: str = Client.ActivityShown.ALL
) -> tuple[tuple[ActivityRow, ...], bool]:
    start, end = _day_bounds(period, zone_name)
    entries_qs = ActivityLogEntry.objects.filter(
        site_id__in=list(site_names), occurred_at__gte=start, occurred_at__lt=end
    )
    if shown == Client.ActivityShown.SUCCESSFUL:
        entries_qs = entries_qs.filter(has_failed=False)
    names = shown == Client.ActivityShown.ALL
    rows = list(
        entries_qs.order_by("-occurred_at", "-kinsta_id")
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
            who=(by_name or (f"API: {key_name}" if key_name else "")) if names else "",
            role=role if names else "",
            has_failed=has_failed,
            has_warning=has_warning,
            public_error=public_error if shown != Client.ActivityShown.SUCCESSFUL else "",
            is_done=is_done,
        )
        for (occurred_at, site_id, type_, description, by_name, key_name, role, has_failed, has_warning,
             public_error, is_done) in rows[:ACTIVITY_LIMIT]
    )  # fmt: skip
    return entries, len(rows) > ACTIVITY_LIMIT


def client_report(
    *,
    client: Client,
    period: Period,
    compare: Period | None,
    audience: str,
    cache_version: str | None = None,
) -> ClientReport:
    """The client's report for a period, compared with `compare` (None: no comparison).

    Runs 6 queries whatever the number of sites (tests/reports/test_selectors.py pins it): environments with their
    sites and latest disk readings, labels, sums per environment for both periods, the comparison's live
    visits per day, the live environments' points, and the activity log.

    With `cache_version` (dashboard.reports.cache.data_version()) the report is cached under it, the client and the
    periods; a cached report gets the client's details from `client` and a fresh `generated_at`.

    `audience` says who is looking (AUDIENCE_*): staff see the whole activity log, everyone else what the
    client's `activity_shown_to_client` allows. It is part of the cache key.
    """
    shown = activity_shown(client, audience)
    if cache_version is not None:
        parts = (*report_cache.client_parts(client), *report_cache.period_parts(period),
                 *report_cache.period_parts(compare), shown)  # fmt: skip
        report = report_cache.get_or_compute(
            cache_version, "client-report", parts,
            lambda: client_report(client=client, period=period, compare=compare, audience=audience),
        )  # fmt: skip
        return replace(report, client=client_info(client), generated_at=timezone.now())
    environments = report_environments(Q(site__assignment__client=client), period, compare)
    points = Q(environment__site__assignment__client=client)
    fields = analytics_fields(environments, period, compare, points=points, staging_daily=False)
    site_names = {site.id: site.display_name for site in fields["sites"]}
    activity, truncated = _activity(site_names, period, client.timezone, shown)
    return ClientReport(**fields, client=client_info(client), activity=activity, activity_truncated=truncated)
