"""Scheduled actions: each slot gives one run per site, never two (two schedulers, repeated ticks, the DST
changes), in the client's time zone on the chosen weekdays; a refused run is retried within the night."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction

from dashboard.actions.models import ActionRun, ActionSchedule
from dashboard.actions.scheduling import CATCH_UP, run_due_schedules
from dashboard.actions.tasks import follow_run
from kinsta_sync.models import Site
from tests.factories import assign, make_client

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ticks(start: datetime, end: datetime, every: timedelta = timedelta(minutes=5)) -> list[int]:
    """Run the scheduler at every tick from start to end; the ids of the runs it created."""
    created = []
    moment = start
    while moment <= end:
        created += run_due_schedules(now=moment)
        moment += every
    return created


@pytest.fixture
def berlin(live_site):
    client = make_client("Berlin GmbH", slug="berlin", timezone="Europe/Berlin")
    assign([live_site], client)
    return client


def nightly(site: Site, at: time, weekdays=EVERY_DAY, **fields) -> ActionSchedule:  # type: ignore[no-untyped-def]
    return ActionSchedule.objects.create(site=site, action="clear-cache", time_of_day=at, weekdays=weekdays, **fields)


def test_a_slot_runs_once_at_its_local_time_and_is_followed_over_http(berlin, live_site, task_queue):
    schedule = nightly(live_site, time(3, 0))
    # 03:00 in Berlin on 2 Dec 2026 (CET, UTC+1) is 02:00 UTC.
    assert run_due_schedules(now=utc(2026, 12, 2, 1, 55)) == []
    [first] = run_due_schedules(now=utc(2026, 12, 2, 2, 0))
    assert run_due_schedules(now=utc(2026, 12, 2, 2, 5)) == []

    run = ActionRun.objects.get(pk=first)
    assert (run.schedule, run.slot, run.source, run.state) == (schedule, utc(2026, 12, 2, 2, 0), "schedule", "queued")
    assert [t["func"] for t in task_queue()] == ["dashboard.actions.tasks.follow_run"]
    assert follow_run(run.pk) == ActionRun.State.DONE


def test_two_schedulers_on_the_same_slot_make_one_run(berlin, live_site):
    schedule = nightly(live_site, time(3, 0))
    now = utc(2026, 12, 2, 2, 1)
    assert len(run_due_schedules(now=now)) == 1
    assert run_due_schedules(now=now) == []  # the second scheduler's INSERT meets the constraint
    env = live_site.environments.get(name="live")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionRun.objects.create(
            site=live_site,
            environment=env,
            action="clear-cache",
            source="schedule",
            schedule=schedule,
            slot=now.replace(minute=0),
        )
    assert ActionRun.objects.count() == 1


def test_the_autumn_dst_change_runs_a_twice_occurring_time_once(berlin, live_site):
    # 25 Oct 2026: Berlin goes from 03:00 CEST back to 02:00 CET, so 02:30 happens twice.
    nightly(live_site, time(2, 30))
    created = ticks(utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 8, 0))
    slots = sorted(ActionRun.objects.filter(pk__in=created).values_list("slot", flat=True))
    assert slots == [utc(2026, 10, 25, 0, 30)]  # the first 02:30 (CEST, UTC+2)


def test_the_spring_dst_change_still_runs_a_missing_time_once(berlin, live_site):
    # 29 Mar 2026: Berlin jumps from 02:00 to 03:00, so 02:30 does not exist that night.
    nightly(live_site, time(2, 30))
    created = ticks(utc(2026, 3, 28, 0, 0), utc(2026, 3, 30, 6, 0), every=timedelta(minutes=10))
    slots = sorted(ActionRun.objects.filter(pk__in=created).values_list("slot", flat=True))
    assert slots == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]


def test_only_the_chosen_weekdays(berlin, live_site):
    nightly(live_site, time(3, 0), weekdays=[0])  # Mondays
    created = ticks(utc(2026, 11, 30, 0, 0), utc(2026, 12, 6, 23, 0), every=timedelta(minutes=30))
    assert list(ActionRun.objects.filter(pk__in=created).values_list("slot", flat=True)) == [utc(2026, 11, 30, 2, 0)]


def test_a_missed_slot_is_made_up_within_the_night_but_not_later(berlin, live_site):
    nightly(live_site, time(3, 0))
    assert run_due_schedules(now=utc(2026, 12, 2, 2, 0) + CATCH_UP + timedelta(minutes=1)) == []
    assert len(run_due_schedules(now=utc(2026, 12, 3, 2, 0) + CATCH_UP - timedelta(minutes=1))) == 1


def test_a_client_schedule_runs_each_of_its_sites_once_per_slot(berlin, live_site, synced):
    other = Site.objects.exclude(pk=live_site.pk).order_by("pk").first()
    assign([other], berlin)
    ActionSchedule.objects.create(client=berlin, action="restart-php", time_of_day=time(4, 0), weekdays=EVERY_DAY)
    created = ticks(utc(2026, 12, 2, 2, 50), utc(2026, 12, 2, 3, 30))
    runs = ActionRun.objects.filter(pk__in=created)
    assert sorted(runs.values_list("site_id", flat=True)) == sorted([live_site.pk, other.pk])
    assert set(runs.values_list("slot", flat=True)) == {utc(2026, 12, 2, 3, 0)}


def test_a_refused_run_is_retried_within_the_night_on_the_same_row(berlin, live_site, fake_app, task_queue):
    nightly(live_site, time(3, 0))
    fake_app.revoke_key()
    [pk] = run_due_schedules(now=utc(2026, 12, 2, 2, 0))
    assert follow_run(pk) == ActionRun.State.REFUSED

    fake_app.restore_key()
    assert run_due_schedules(now=utc(2026, 12, 2, 2, 5)) == [pk]
    task_queue()
    assert follow_run(pk) == ActionRun.State.DONE
    assert ActionRun.objects.count() == 1 and ActionRun.objects.get().attempts == 2
    assert run_due_schedules(now=utc(2026, 12, 2, 2, 10)) == []


def test_a_schedule_is_for_a_site_or_a_client(berlin, live_site):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionSchedule.objects.create(
            client=berlin, site=live_site, action="clear-cache", time_of_day=time(3, 0), weekdays=EVERY_DAY
        )


def test_the_site_page_shows_the_schedules(client, staff_user, berlin, live_site):
    nightly(live_site, time(3, 0), weekdays=[0, 4])
    client.force_login(staff_user)
    html = client.get(f"/clients/berlin/sites/{live_site.pk}/").content.decode()
    assert "Clear the site cache at 03:00 (live) · Mon, Fri" in html


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_threads_racing_for_a_slot_make_one_run(berlin, live_site, settings):
    """Two workers at the same moment, each in its own connection: the constraint lets one INSERT win."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    nightly(live_site, time(3, 0))
    barrier = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(run_due_schedules(now=utc(2026, 12, 2, 2, 1)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 1]
    assert ActionRun.objects.count() == 1


def test_a_run_kinsta_could_not_be_reached_for_is_retried_within_the_night(berlin, live_site, settings, task_queue):
    import socket

    nightly(live_site, time(3, 0))
    with socket.socket() as probe:  # a loopback port nobody listens on: Kinsta "down"
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    reachable, settings.KINSTA_API_URL = settings.KINSTA_API_URL, closed
    [pk] = run_due_schedules(now=utc(2026, 12, 2, 2, 0))
    assert follow_run(pk) == ActionRun.State.REFUSED
    assert "could not be reached; nothing was sent" in ActionRun.objects.get(pk=pk).message

    settings.KINSTA_API_URL = reachable
    assert run_due_schedules(now=utc(2026, 12, 2, 2, 5)) == [pk]
    assert follow_run(pk) == ActionRun.State.DONE
    assert ActionRun.objects.count() == 1
