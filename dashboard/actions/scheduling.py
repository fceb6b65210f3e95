"""Scheduled actions: which slots are due, and one ActionRun per site and slot, never two.

A slot is a schedule's local time of day on one of its weekdays, in the client's time zone, stored as the
UTC instant it stands for. A local time that occurs twice (the autumn DST change) is the first occurrence; one
that does not exist (spring) is read with the offset before the change, as zoneinfo does (fold=0), so each
local day has exactly one slot. A slot is due from its instant until ``CATCH_UP`` later: a scheduler that was
down, or a run that could not start, is made up for within the night, never later.

Creating a run is an INSERT under the unique constraint (schedule, site, slot): of two schedulers racing for
the same slot, one inserts and the other gets an IntegrityError and moves on. A scheduled run that was
refused before anything reached Kinsta (revoked key, Kinsta unreachable) is queued again on the next tick
while its slot is still within ``CATCH_UP``, up to ``MAX_TRIES`` claims: retried, never duplicated.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dashboard.actions.models import ActionRun, ActionSchedule
from kinsta_sync.models import Environment

logger = logging.getLogger(__name__)

CATCH_UP = timedelta(hours=6)
MAX_TRIES = 4


def schedule_zone(schedule: ActionSchedule) -> ZoneInfo:
    client = schedule.client
    if client is None and schedule.site is not None:
        assignment = getattr(schedule.site, "assignment", None)
        client = assignment.client if assignment is not None else None
    try:
        return ZoneInfo(client.timezone) if client is not None else ZoneInfo("UTC")
    except Exception:  # validated on save; a bad value must not stop the other schedules
        return ZoneInfo("UTC")


def due_slots(schedule: ActionSchedule, now: datetime) -> list[datetime]:
    """The schedule's slots (UTC) from ``now - CATCH_UP`` to ``now``, oldest first."""
    zone = schedule_zone(schedule)
    local_now = now.astimezone(zone)
    slots = []
    for back in (2, 1, 0):
        day = local_now.date() - timedelta(days=back)
        if day.weekday() not in schedule.weekdays:
            continue
        local = datetime.combine(day, schedule.time_of_day, tzinfo=zone)  # fold=0: see the module's docstring
        slot = local.astimezone(ZoneInfo("UTC"))
        if now - CATCH_UP < slot <= now:
            slots.append(slot)
    return slots


def _environments(schedule: ActionSchedule) -> list[Environment]:
    """The environment the schedule acts on, on each of its present sites."""
    environments = Environment.objects.filter(
        name=schedule.environment_name, removed_at__isnull=True, site__removed_at__isnull=True
    ).select_related("site")
    if schedule.site_id is not None:
        return list(environments.filter(site_id=schedule.site_id))
    return list(environments.filter(site__assignment__client_id=schedule.client_id).order_by("site_id"))


def run_due_schedules(now: datetime | None = None) -> list[int]:
    """Create the runs of every due slot (and requeue refused ones still within the night); their ids.

    Following them is left to the workers (``tasks.follow_run``), one task per run.
    """
    now = now or timezone.now()
    created: list[int] = []
    schedules = ActionSchedule.objects.filter(is_active=True).select_related("client", "site__assignment__client")
    for schedule in schedules:
        for slot in due_slots(schedule, now):
            for environment in _environments(schedule):
                try:
                    with transaction.atomic():
                        run = ActionRun.objects.create(
                            site=environment.site,
                            environment=environment,
                            action=schedule.action,
                            source=ActionRun.Source.SCHEDULE,
                            schedule=schedule,
                            slot=slot,
                        )
                except IntegrityError:
                    continue  # this slot's run exists: another scheduler (or an earlier tick) made it
                created.append(run.pk)
    requeued = list(
        ActionRun.objects.filter(
            schedule__isnull=False,
            state=ActionRun.State.REFUSED,
            slot__gt=now - CATCH_UP,
            attempts__lt=MAX_TRIES,
        ).values_list("pk", flat=True)
    )
    for pk in requeued:
        # Refused: nothing reached Kinsta, so trying again cannot do it twice.
        ActionRun.objects.filter(pk=pk, state=ActionRun.State.REFUSED).filter(~Q(operation_id__gt="")).update(
            state=ActionRun.State.QUEUED, finished_at=None
        )
    from django_q.tasks import async_task

    for pk in [*created, *requeued]:
        async_task("dashboard.actions.tasks.follow_run", pk, task_name=f"action-run-{pk}-{now:%Y%m%d%H%M}")
    return [*created, *requeued]
