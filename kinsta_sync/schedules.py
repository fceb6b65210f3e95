"""The recurring work, declared in code and written to django-q2 idempotently (by name)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_q.models import Schedule


def _next_hour() -> datetime:
    now = timezone.now()
    return now.replace(minute=5, second=0, microsecond=0) + timedelta(hours=1)


def _next_daily(at: time) -> datetime:
    now = timezone.now()
    first = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return first if first > now else first + timedelta(days=1)


def schedule_definitions() -> list[dict]:
    return [
        {
            # Sites, users and activity at five past every hour.
            "name": "kinsta-sync-hourly",
            "func": "kinsta_sync.tasks.sync_all_accounts",
            "args": "'hourly'",
            "schedule_type": Schedule.HOURLY,
            "next_run": _next_hour(),
        },
        {
            # Analytics once a day at 02:30 UTC, after Kinsta has closed the previous day's buckets.
            "name": "kinsta-sync-daily",
            "func": "kinsta_sync.tasks.sync_all_accounts",
            "args": "'daily'",
            "schedule_type": Schedule.DAILY,
            "next_run": _next_daily(time(2, 30)),
        },
    ]


def ensure_schedules() -> list[str]:
    """Create missing schedules and correct changed ones; leave next_run of existing ones alone."""
    return write_schedules(schedule_definitions())


def write_schedules(definitions: list[dict]) -> list[str]:
    """Write django-q2 schedules by name: create the missing ones (at their `next_run`, by default in a
    minute) and correct changed ones, leaving an existing schedule's next_run alone. Every app's
    `ensure_schedules()` (run after migrate) goes through here. Returns what it did, one line each."""
    changed: list[str] = []
    for definition in definitions:
        fields = {k: v for k, v in definition.items() if k not in ("name", "next_run")}
        schedule = Schedule.objects.filter(name=definition["name"]).first()
        if schedule is None:
            next_run = definition.get("next_run") or timezone.now() + timedelta(minutes=1)
            Schedule.objects.create(name=definition["name"], next_run=next_run, repeats=-1, **fields)
            changed.append(f"created {definition['name']}")
        elif any(getattr(schedule, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(schedule, k, v)
            schedule.save(update_fields=list(fields))
            changed.append(f"updated {definition['name']}")
    return changed
