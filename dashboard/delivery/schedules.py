"""The report delivery schedule, declared in code and written to django-q2 idempotently (by name).

Kept apart from kinsta_sync/schedules.py because the mirror app must never import the dashboard;
dashboard.apps calls `ensure_schedules()` after every migrate.
"""

from __future__ import annotations

from django_q.models import Schedule

from kinsta_sync.schedules import write_schedules

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
    return write_schedules(schedule_definitions())
