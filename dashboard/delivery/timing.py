"""When a report schedule runs, and which period each run covers, in the client's time zone.

A schedule runs monthly on day N (29-31 become the last day of shorter months), weekly on a weekday, or
quarterly (January, April, July, October), at an hour in the client's time zone, daylight saving
included. The period a run covers is computed from the run time, not from when a worker gets to it
(`period_for_run`), so a late worker still sends the intended period. dashboard.delivery.sends does the
sending; dashboard.delivery.schedules declares the django-q2 schedule that runs it.
"""

from __future__ import annotations

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from clients.models import Client
from dashboard.delivery.models import ReportSchedule
from dashboard.reports.periods import CALENDAR, Period, is_whole_months

# --- When: run times in the client's time zone ----------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def client_zone(client: Client) -> zoneinfo.ZoneInfo:
    return _zone(client.timezone)


def _clamped(year: int, month: int, day: int) -> date:
    """Day `day` of the month, or the month's last day when it is shorter (31 -> 28/29 February, 30 April)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _at(day: date, hour: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """`hour`:00 on `day` in the zone, as an aware UTC time. An hour skipped by a daylight-saving change
    (02:00 on the last Sunday of March in Berlin) becomes the same wall time an hour later."""
    local = datetime.combine(day, time(hour), tzinfo=zone)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def _local_day(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _run_days(schedule: ReportSchedule, around: date) -> list[date]:
    """The schedule's run days near `around` (from a period before it to a period after), in order."""
    if schedule.frequency == ReportSchedule.Frequency.WEEKLY:
        monday = around - timedelta(days=around.weekday())
        return [monday + timedelta(days=7 * week + schedule.weekday) for week in (-1, 0, 1, 2)]
    step = 3 if schedule.frequency == ReportSchedule.Frequency.QUARTERLY else 1
    first_month = around.month
    if step == 3:
        first_month = around.month - (around.month - 1) % 3  # January, April, July or October
    days = []
    for offset in (-step, 0, step, 2 * step):
        year, month = _add_months(around.year, first_month, offset)
        days.append(_clamped(year, month, schedule.day_of_month))
    return days


def next_run_after(schedule: ReportSchedule, moment: datetime) -> datetime:
    """The schedule's first run time strictly after `moment`."""
    zone = _zone(schedule.client.timezone)
    for day in _run_days(schedule, _local_day(moment, zone)):
        run = _at(day, schedule.send_hour, zone)
        if run > moment:
            return run
    raise AssertionError("a run within two periods always exists")  # pragma: no cover


def last_run_at_or_before(schedule: ReportSchedule, moment: datetime) -> datetime:
    """The schedule's latest run time at or before `moment`."""
    zone = _zone(schedule.client.timezone)
    runs = [_at(day, schedule.send_hour, zone) for day in _run_days(schedule, _local_day(moment, zone))]
    return max(run for run in runs if run <= moment)


# --- What: the period a run covers ----------------------------------------------------------------------


def period_for_run(schedule: ReportSchedule, run_at: datetime) -> Period:
    """The period a run covers, from the run's day in the client's time zone (a run at 00:30 on 1 March
    in Berlin is 23:30 on 28 February in UTC, and covers February).

    A calendar month or quarter is a `CALENDAR` period (compared with the calendar months before it); a
    week or the last 7 or 30 days are days (compared with as many days before, even when the 30 days
    happen to be November)."""
    today = _local_day(run_at, _zone(schedule.client.timezone))
    covers = schedule.covers
    if covers == ReportSchedule.Covers.PREVIOUS_WEEK:
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(monday, monday + timedelta(days=6))
    if covers == ReportSchedule.Covers.PREVIOUS_QUARTER:
        quarter_start = date(today.year, today.month - (today.month - 1) % 3, 1)
        year, month = _add_months(quarter_start.year, quarter_start.month, -3)
        return Period(date(year, month, 1), quarter_start - timedelta(days=1), CALENDAR)
    if covers == ReportSchedule.Covers.LAST_7_DAYS:
        return Period(today - timedelta(days=7), today - timedelta(days=1))
    if covers == ReportSchedule.Covers.LAST_30_DAYS:
        return Period(today - timedelta(days=30), today - timedelta(days=1))
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return Period(last.replace(day=1), last, CALENDAR)


_ROLLING_COVERS = (ReportSchedule.Covers.LAST_7_DAYS, ReportSchedule.Covers.LAST_30_DAYS)


def period_to_send(schedule: ReportSchedule | None, start: date, end: date) -> Period:
    """The period staff send by hand, compared as the client's scheduled reports are: whole calendar months
    are a calendar report (November against October), unless the schedule covers rolling days (the last 7
    or 30 days, against as many days before); any other range is a range of days."""
    rolling = schedule is not None and schedule.covers in _ROLLING_COVERS
    if is_whole_months(start, end) and not rolling:
        return Period(start, end, CALENDAR)
    return Period(start, end)


def last_complete_period(client: Client, schedule: ReportSchedule | None, *, now: datetime) -> Period:
    """The period "Send a report now" offers: the one of the schedule's latest run at or before `now` (on
    2 December with a monthly schedule: November), which has ended, unlike the next run's; without a
    schedule, last month in the client's time zone."""
    if schedule is not None:
        return period_for_run(schedule, last_run_at_or_before(schedule, now))
    today = _local_day(now, client_zone(client))
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return Period(last.replace(day=1), last, CALENDAR)


@dataclass(frozen=True)
class NextRun:
    run_at: datetime
    period: Period


def next_period_for(schedule: ReportSchedule, *, now: datetime) -> NextRun:
    """The next run at or after `now` (the stored one if it is still ahead) and the period it will cover."""
    run_at = schedule.next_run_at if schedule.next_run_at and schedule.next_run_at >= now else None
    run_at = run_at or next_run_after(schedule, now - timedelta(microseconds=1))
    return NextRun(run_at=run_at, period=period_for_run(schedule, run_at))


def schedule_reset_next_run(schedule: ReportSchedule, *, now: datetime | None = None) -> datetime:
    """Set the next run from now (after the schedule was created or its timing changed)."""
    now = now or timezone.now()
    schedule.next_run_at = next_run_after(schedule, now)
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=schedule.next_run_at)
    return schedule.next_run_at
