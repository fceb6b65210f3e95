"""The usage app's schedules (alerts, Kinsta's own count), declared in code, written to django-q2 by name."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

from kinsta_sync.schedules import write_schedules

USAGE_ALERTS_SCHEDULE = "usage-alerts"
KINSTA_USAGE_SCHEDULE = "usage-kinsta-count"


def schedule_definitions() -> list[dict]:
    return [
        {
            # Hourly: analytics arrive once a day (kinsta_sync's daily schedule), the hour only bounds how long
            # after a sync the alert waits; a repeated run inserts nothing it sent before.
            "name": USAGE_ALERTS_SCHEDULE,
            "func": "dashboard.usage.tasks.check_usage_alerts",
            "next_run": timezone.now() + timedelta(minutes=5),
            "schedule_type": Schedule.HOURLY,
        },
        {
            # Daily (from five minutes after the first migrate; django-q2's cron needs croniter, which we do
            # not install): Kinsta's own count of this month, three requests per site, to check our figures
            # against (dashboard.usage.reconcile).
            "name": KINSTA_USAGE_SCHEDULE,
            "func": "dashboard.usage.tasks.fetch_kinsta_usage",
            "next_run": timezone.now() + timedelta(minutes=5),
            "schedule_type": Schedule.DAILY,
        },
    ]


def ensure_schedules() -> list[str]:
    """Create the schedule when missing and correct it when changed; leave next_run of an existing one alone."""
    return write_schedules(schedule_definitions())
