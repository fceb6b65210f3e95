"""The actions' recurring task, declared in code and written to django-q2 idempotently (by name)."""

from __future__ import annotations

from django_q.models import Schedule

from kinsta_sync.schedules import write_schedules

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
    return write_schedules(schedule_definitions())
