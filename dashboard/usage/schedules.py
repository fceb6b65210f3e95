"""The usage app's schedules (alerts, Kinsta's own count), declared in code, written to django-q2 by name."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

USAGE_ALERTS_SCHEDULE = "usage-alerts"
KINSTA_USAGE_SCHEDULE = "usage-kinsta-count"


def schedule_definitions() -> list[dict]:
    return [
        {
            # Hourly: analytics arrive once a day (kinsta_sync's daily schedule), the hour only bounds how long
            # after a sync the alert waits; a repeated run inserts nothing it sent before.
            "name": USAGE_ALERTS_SCHEDULE,
            "func": "dashboard.usage.tasks.check_usage_alerts",
            "schedule_type": Schedule.HOURLY,
        },
        {
            # Daily (from five minutes after the first migrate; django-q2's cron needs croniter, which we do
            # not install): Kinsta's own count of this month, three requests per site, to check our figures
            # against (dashboard.usage.reconcile).
            "name": KINSTA_USAGE_SCHEDULE,
            "func": "dashboard.usage.tasks.fetch_kinsta_usage",
            "schedule_type": Schedule.DAILY,
        },
    ]


def ensure_schedules() -> list[str]:
    """Create the schedule when missing and correct it when changed; leave next_run of an existing one alone."""
    changed: list[str] = []
    for definition in schedule_definitions():
        fields = {k: v for k, v in definition.items() if k != "name"}
        schedule = Schedule.objects.filter(name=definition["name"]).first()
        if schedule is None:
            Schedule.objects.create(
                name=definition["name"], next_run=timezone.now() + timedelta(minutes=5), repeats=-1, **fields
            )
            changed.append(f"created {definition['name']}")
        elif any(getattr(schedule, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(schedule, k, v)
            schedule.save(update_fields=list(fields))
            changed.append(f"updated {definition['name']}")
    return changed
