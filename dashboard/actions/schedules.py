"""The actions' recurring task, declared in code and written to django-q2 idempotently (by name)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

RESUME_SCHEDULE = "actions-resume-abandoned"
SCHEDULED_ACTIONS = "actions-scheduled"


def schedule_definitions() -> list[dict]:
    return [
        {
            # Every minute: a run whose worker died mid-poll (its lease expired) is followed to its end.
            "name": RESUME_SCHEDULE,
            "func": "dashboard.actions.tasks.resume_abandoned_runs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
        {
            # Every five minutes: scheduled actions (ActionSchedule) whose slot has come get their runs.
            "name": SCHEDULED_ACTIONS,
            "func": "dashboard.actions.tasks.run_due_schedules",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
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
