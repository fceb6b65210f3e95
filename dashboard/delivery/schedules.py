"""The report delivery schedule, declared in code and written to django-q2 idempotently (by name).

Kept apart from kinsta_sync/schedules.py because the mirror app must never import the dashboard;
dashboard.apps calls `ensure_schedules()` after every migrate.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

DELIVERY_SCHEDULE = "report-deliveries"


def schedule_definitions() -> list[dict]:
    return [
        {
            # Every 10 minutes: reports whose hour has come (each client's own time zone) go out within
            # ten minutes of it, and failed e-mails are retried when their back-off has passed.
            "name": DELIVERY_SCHEDULE,
            "func": "dashboard.delivery.tasks.run_due_deliveries",
            "schedule_type": Schedule.MINUTES,
            "minutes": 10,
        },
    ]


def ensure_schedules() -> list[str]:
    """Create the schedule when missing and correct it when changed; leave next_run of existing ones alone."""
    changed: list[str] = []
    for definition in schedule_definitions():
        fields = {k: v for k, v in definition.items() if k != "name"}
        schedule = Schedule.objects.filter(name=definition["name"]).first()
        if schedule is None:
            Schedule.objects.create(
                name=definition["name"], next_run=timezone.now() + timedelta(minutes=1), repeats=-1, **fields
            )
            changed.append(f"created {definition['name']}")
        elif any(getattr(schedule, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(schedule, k, v)
            schedule.save(update_fields=list(fields))
            changed.append(f"updated {definition['name']}")
    return changed
