"""What the pages show of site actions; each a constant number of queries whatever the number of sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dashboard.actions.models import Action, ActionRun, ActionSchedule
from kinsta_sync.models import Environment

# How a finished action reads in the client's report ("Cache cleared on 3 Nov, 03:00").
DONE_LABELS = {
    Action.CLEAR_CACHE: _("Cache cleared"),
    Action.RESTART_PHP: _("PHP restarted"),
    Action.CLEAR_CDN_CACHE: _("CDN cache cleared"),
    Action.CLEAR_EDGE_CACHE: _("Edge cache cleared"),
    Action.MANUAL_BACKUP: _("Manual backup created"),
}
# A plugin or theme update reads "WooCommerce updated to 8.9.3 on 3 Nov, 03:00".
UPDATED_LABEL = _("%(item)s updated to %(version)s")
WORK_DONE_LIMIT = 50
RECENT_RUNS = 10


@dataclass(frozen=True)
class WorkItem:
    label: str
    site: str
    environment: str
    is_live: bool
    when: str  # in the client's time zone, "3 Nov, 03:00"


def _zone(client: Any) -> ZoneInfo:
    try:
        return ZoneInfo(client.timezone)
    except Exception:  # validated on save; a bad value must not break the report
        return ZoneInfo("UTC")


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    return date_format(timezone.localtime(moment, zone), "j M, H:i")


def work_done(client: Any, period: Any) -> list[WorkItem]:
    """The client's sites' actions that ended done within the period's days (client's time zone); one query."""
    zone = _zone(client)
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    runs = (
        ActionRun.objects.filter(
            site__assignment__client=client,
            state=ActionRun.State.DONE,
            finished_at__gte=start,
            finished_at__lt=end,
        )
        .select_related("site", "environment")
        .order_by("-finished_at")[:WORK_DONE_LIMIT]
    )
    return [
        WorkItem(
            label=_label(run),
            site=run.site.display_name or run.site.name,
            environment=run.environment.display_name or run.environment.name,
            is_live=run.environment.is_live,
            when=local_text(run.finished_at, zone),
        )
        for run in runs
    ]


def _label(run: ActionRun) -> str:
    if run.item_name:
        return str(UPDATED_LABEL) % {"item": run.item_title or run.item_name, "version": run.item_version}
    return str(DONE_LABELS.get(run.action, run.get_action_display()))


def recent_runs(site_id: int, limit: int = RECENT_RUNS) -> list[ActionRun]:
    """The site's latest runs, newest first, with who asked; one query."""
    return list(
        ActionRun.objects.filter(site_id=site_id)
        .select_related("environment", "requested_by")
        .order_by("-created_at", "-id")[:limit]
    )


def site_environments(site_id: int) -> list[Environment]:
    """The site's present environments, live first, as the confirmation page offers them; one query."""
    return list(Environment.objects.filter(site_id=site_id, removed_at__isnull=True).order_by("-is_live", "name"))


def schedules_for_site(site_id: int, client: Any) -> list[ActionSchedule]:
    """The active schedules that act on the site: its own and its client's; one query."""
    return list(
        ActionSchedule.objects.filter(Q(site_id=site_id) | Q(client=client), is_active=True).order_by(
            "time_of_day", "pk"
        )
    )
