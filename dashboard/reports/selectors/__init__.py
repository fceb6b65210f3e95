"""Report queries: plain dataclasses out, a fixed number of SQL queries whatever the number of sites.

The HTML report, the CSV export and the PDF all read the same `ClientReport`, so they cannot disagree.

One module per page or concept; import the public names from here (`from dashboard.reports.selectors
import client_report`):
- `figures`: `Totals`, `Kpi` and `change_ratio`, the one definition of a change;
- `analytics`: what the client report and the site page share (`Analytics`, `SiteRow`,
  `EnvironmentReport`) and the queries that build it;
- `client`: the client report (`client_report`, `ClientReport`, the activity log, `client_today`);
- `site`: one site's page (`site_report`);
- `overview`: the agency overview (`agency_overview`, its rows and sorts);
- `sync`: the sync page and each account's health (`sync_page`, `account_health`, `sync_target`).

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

from dashboard.reports.selectors.analytics import Analytics, EnvironmentReport, SiteRow
from dashboard.reports.selectors.client import (
    ACTIVITY_LIMIT,
    AUDIENCE_CLIENT,
    AUDIENCE_EMAIL,
    AUDIENCE_PDF,
    AUDIENCE_SHARE,
    AUDIENCE_STAFF,
    ActivityRow,
    ClientInfo,
    ClientReport,
    client_info,
    client_report,
    client_today,
)
from dashboard.reports.selectors.figures import Kpi, Totals, change_ratio, lengths_differ
from dashboard.reports.selectors.overview import (
    OVERVIEW_SORTS,
    Overview,
    OverviewFigures,
    OverviewRow,
    agency_overview,
)
from dashboard.reports.selectors.site import SiteReport, site_report
from dashboard.reports.selectors.sync import (
    SYNC_PAGE_RUNS,
    AccountHealth,
    SyncPage,
    SyncRunRow,
    account_health,
    sync_page,
    sync_target,
)
from kinsta_sync.figures import BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE, METRICS, SUMMED_METRICS, VISITS

__all__ = [
    "ACTIVITY_LIMIT",
    "AUDIENCE_CLIENT",
    "AUDIENCE_EMAIL",
    "AUDIENCE_PDF",
    "AUDIENCE_SHARE",
    "AUDIENCE_STAFF",
    "BANDWIDTH",
    "CDN_BANDWIDTH",
    "DISK_USAGE",
    "METRICS",
    "OVERVIEW_SORTS",
    "SUMMED_METRICS",
    "SYNC_PAGE_RUNS",
    "VISITS",
    "AccountHealth",
    "ActivityRow",
    "Analytics",
    "ClientInfo",
    "ClientReport",
    "EnvironmentReport",
    "Kpi",
    "Overview",
    "OverviewFigures",
    "OverviewRow",
    "SiteReport",
    "SiteRow",
    "SyncPage",
    "SyncRunRow",
    "Totals",
    "account_health",
    "agency_overview",
    "change_ratio",
    "client_info",
    "client_report",
    "client_today",
    "lengths_differ",
    "site_report",
    "sync_page",
    "sync_target",
]
