"""Run times and the periods they cover, in the client's time zone: month ends, February, leap years,
quarters, weeks, daylight saving, rolling days, and the last complete period staff are offered (no database)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from dashboard.delivery.models import ReportSchedule
from dashboard.delivery.timing import last_complete_period, last_run_at_or_before, next_run_after, period_for_run
from dashboard.reports.periods import CALENDAR, Period

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def schedule_for(timezone: str = "Europe/Berlin", **fields) -> ReportSchedule:  # type: ignore[no-untyped-def]
    """An unsaved schedule of an unsaved client (the time arithmetic needs no database)."""
    from clients.models import Client

    return ReportSchedule(client=Client(name="Acme", slug="acme", timezone=timezone), **fields)


def test_monthly_day_31_falls_back_to_the_last_day_of_february():
    schedule = schedule_for(frequency="monthly", day_of_month=31, send_hour=7)

    after_january = next_run_after(schedule, berlin(2026, 1, 31, 8))
    assert after_january == berlin(2026, 2, 28, 7)
    assert next_run_after(schedule, after_january) == berlin(2026, 3, 31, 7)
    assert next_run_after(schedule, berlin(2026, 4, 1)) == berlin(2026, 4, 30, 7)


def test_monthly_day_31_in_a_leap_year_is_the_29th_of_february():
    schedule = schedule_for(frequency="monthly", day_of_month=31, send_hour=7)

    assert next_run_after(schedule, berlin(2028, 2, 1)) == berlin(2028, 2, 29, 7)
    assert next_run_after(schedule, berlin(2028, 2, 29, 7)) == berlin(2028, 3, 31, 7)


def test_the_previous_month_of_a_march_run_is_february_with_its_real_length():
    schedule = schedule_for(frequency="monthly", day_of_month=1, covers="previous_month")

    assert period_for_run(schedule, berlin(2026, 3, 1, 7)) == Period(date(2026, 2, 1), date(2026, 2, 28), CALENDAR)
    assert period_for_run(schedule, berlin(2028, 3, 1, 7)) == Period(date(2028, 2, 1), date(2028, 2, 29), CALENDAR)
    assert period_for_run(schedule, berlin(2026, 1, 1, 7)) == Period(date(2025, 12, 1), date(2025, 12, 31), CALENDAR)


def test_period_boundaries_are_in_the_clients_time_zone():
    # Midnight on 1 March in Berlin is still 28 February in UTC: the report covers February.
    schedule = schedule_for("Europe/Berlin", frequency="monthly", day_of_month=1, send_hour=0)
    run = next_run_after(schedule, utc(2026, 2, 15))
    assert run == utc(2026, 2, 28, 23)
    assert period_for_run(schedule, run) == Period(date(2026, 2, 1), date(2026, 2, 28), CALENDAR)
    # Auckland is 13 hours ahead: its 1 March 00:00 is 28 February 11:00 UTC.
    schedule.client.timezone = "Pacific/Auckland"
    run = next_run_after(schedule, utc(2026, 2, 15))
    assert run == utc(2026, 2, 28, 11)
    assert period_for_run(schedule, run) == Period(date(2026, 2, 1), date(2026, 2, 28), CALENDAR)


def test_quarterly_runs_in_the_first_month_of_each_quarter_and_covers_the_last_quarter():
    schedule = schedule_for(frequency="quarterly", day_of_month=31, send_hour=6, covers="previous_quarter")

    runs = [next_run_after(schedule, berlin(2026, 1, 1))]
    for _ in range(4):
        runs.append(next_run_after(schedule, runs[-1]))
    assert [r.astimezone(BERLIN).date() for r in runs] == [
        date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31), date(2027, 1, 31),
    ]  # fmt: skip
    assert period_for_run(schedule, runs[0]) == Period(date(2025, 10, 1), date(2025, 12, 31), CALENDAR)
    assert period_for_run(schedule, runs[1]) == Period(date(2026, 1, 1), date(2026, 3, 31), CALENDAR)
    assert period_for_run(schedule, runs[2]) == Period(date(2026, 4, 1), date(2026, 6, 30), CALENDAR)


def test_weekly_runs_cover_the_previous_monday_to_sunday():
    schedule = schedule_for(frequency="weekly", weekday=0, send_hour=8, covers="previous_week")

    run = next_run_after(schedule, berlin(2026, 3, 4, 12))  # a Wednesday
    assert run == berlin(2026, 3, 9, 8)  # the next Monday
    assert period_for_run(schedule, run) == Period(date(2026, 3, 2), date(2026, 3, 8))
    assert next_run_after(schedule, run) == berlin(2026, 3, 16, 8)


def test_weekly_runs_keep_the_local_hour_across_daylight_saving_changes():
    # Berlin moves its clocks on Sunday 29 March 2026 (02:00 -> 03:00) and 25 October 2026 (03:00 -> 02:00).
    schedule = schedule_for(frequency="weekly", weekday=0, send_hour=7, covers="previous_week")

    before = next_run_after(schedule, berlin(2026, 3, 25))
    after = next_run_after(schedule, before)
    assert before == utc(2026, 3, 30, 5)  # 07:00 CEST (the first Monday after the change)
    spring = next_run_after(schedule, berlin(2026, 3, 20))
    assert spring == utc(2026, 3, 23, 6)  # 07:00 CET
    assert before - spring == timedelta(days=7, hours=-1)  # a 167-hour week
    assert after.astimezone(BERLIN).hour == 7
    autumn_before = next_run_after(schedule, berlin(2026, 10, 13))  # Monday 19 October, still CEST
    autumn_after = next_run_after(schedule, autumn_before)
    assert autumn_after - autumn_before == timedelta(days=7, hours=1)
    assert autumn_after.astimezone(BERLIN).hour == 7
    # The week before the change is reported as whole local days.
    assert period_for_run(schedule, before) == Period(date(2026, 3, 23), date(2026, 3, 29))


def test_a_run_hour_skipped_by_daylight_saving_happens_an_hour_later():
    schedule = schedule_for(frequency="weekly", weekday=6, send_hour=2, covers="previous_week")
    run = next_run_after(schedule, berlin(2026, 3, 28))
    assert run.astimezone(BERLIN) == berlin(2026, 3, 29, 3)  # 02:00 does not exist that night
    assert run == utc(2026, 3, 29, 1)


def test_monthly_runs_across_daylight_saving_keep_the_local_hour():
    schedule = schedule_for(frequency="monthly", day_of_month=1, send_hour=7)
    march = next_run_after(schedule, berlin(2026, 2, 15))
    april = next_run_after(schedule, march)
    assert (march, april) == (utc(2026, 3, 1, 6), utc(2026, 4, 1, 5))
    assert last_run_at_or_before(schedule, utc(2026, 4, 1, 5)) == april
    assert last_run_at_or_before(schedule, utc(2026, 4, 1, 4, 59)) == march


def test_rolling_periods_end_the_day_before_the_run():
    schedule = schedule_for(frequency="weekly", weekday=0, covers="last_7_days")
    assert period_for_run(schedule, berlin(2026, 3, 9, 7)) == Period(date(2026, 3, 2), date(2026, 3, 8))
    schedule.covers = "last_30_days"
    assert period_for_run(schedule, berlin(2026, 3, 9, 7)) == Period(date(2026, 2, 7), date(2026, 3, 8))


def test_the_last_complete_period_is_the_latest_runs():
    schedule = schedule_for(frequency="monthly", day_of_month=1, covers="previous_month")
    # At 07:00 on 1 December the run has come: November; an hour earlier it has not: October.
    assert last_complete_period(schedule.client, schedule, now=berlin(2026, 12, 1, 7)) == Period(
        date(2026, 11, 1), date(2026, 11, 30), CALENDAR
    )
    assert last_complete_period(schedule.client, schedule, now=berlin(2026, 12, 1, 6)) == Period(
        date(2026, 10, 1), date(2026, 10, 31), CALENDAR
    )
    schedule.covers = "last_30_days"
    assert last_complete_period(schedule.client, schedule, now=berlin(2026, 12, 2, 9)) == Period(
        date(2026, 11, 1), date(2026, 11, 30)
    )
    # Without a schedule: last month in the client's time zone (in Auckland it is 1 December already).
    auckland = schedule_for("Pacific/Auckland").client
    assert last_complete_period(auckland, None, now=utc(2026, 11, 30, 12)) == Period(
        date(2026, 11, 1), date(2026, 11, 30), CALENDAR
    )
