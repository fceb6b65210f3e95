"""Kinsta's activity entries for updates merged into the update events, over real HTTP against the fake: an
observed update takes the activity's time and who did it, an update only the log knows is an event of its own,
a second sync adds nothing, and an update to a version seen before is a new event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kinsta_sync.models import UpdateEvent
from kinsta_sync.sync import run_sync

pytestmark = pytest.mark.django_db

STEPS = ("sites", "activity", "wordpress")


def when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def events() -> set[tuple]:
    return set(
        UpdateEvent.objects.values_list(
            "environment__kinsta_id", "kind", "name", "from_version", "to_version", "seen_at", "happened_at",
            "observed", "activity__kinsta_id", "updated_by",
        )
    )  # fmt: skip


def an_update(agency):
    env = agency.sites[0].live
    item = next(i for i in agency.wordpress(env.id).plugins if i.update_version)
    return env, item


def test_an_update_made_in_mykinsta_takes_the_activity_time_and_who_did_it(account, agency):
    run_sync(account=account, steps=STEPS)
    env, item = an_update(agency)
    before, after = agency.apply_update(env.id, "plugin", item.name)
    entry = agency.activity[0]

    run_sync(account=account, steps=STEPS)
    stored = events()
    run_sync(account=account, steps=STEPS)  # idempotent

    assert events() == stored
    event = UpdateEvent.objects.get(environment__kinsta_id=env.id, name=item.name, observed=True)
    assert (event.from_version, event.to_version) == (before, after)
    assert event.activity.kinsta_id == entry.id
    assert event.happened_at == when(entry.created_at) < event.seen_at
    assert event.updated_by == entry.initiated_by.full_name
    # The entry is this event's, not an event of its own too.
    assert not UpdateEvent.objects.filter(activity__kinsta_id=entry.id, observed=False).exists()


def test_an_update_done_and_undone_between_two_syncs_shows_from_the_activity(account, agency):
    run_sync(account=account, steps=STEPS)
    env, item = an_update(agency)
    before, after = agency.apply_update(env.id, "plugin", item.name)
    entry = agency.activity[0]
    item.version = before  # rolled back before the next sync saw it

    run_sync(account=account, steps=STEPS)
    stored = events()
    run_sync(account=account, steps=STEPS)

    assert events() == stored
    rows = list(UpdateEvent.objects.filter(environment__kinsta_id=env.id, name=item.name))
    assert [(r.observed, r.from_version, r.to_version, r.happened_at, r.activity.kinsta_id) for r in rows] == [
        (False, "", after, when(entry.created_at), entry.id)
    ]


def test_every_update_in_the_fake_log_before_the_first_sync_is_one_event(account, agency):
    logged = {
        (a.site_id, "plugin" if a.type == "updatePlugin" else "theme", a.id, when(a.created_at))
        for a in agency.activity
        if a.type in ("updatePlugin", "updateTheme") and not a.has_failed and a.site_id
    }
    assert logged  # the fake's history has update entries

    run_sync(account=account, steps=STEPS)

    stored = set(
        UpdateEvent.objects.filter(observed=False).values_list(
            "environment__site__kinsta_id", "kind", "activity__kinsta_id", "happened_at"
        )
    )
    assert stored == logged
    assert not UpdateEvent.objects.filter(observed=True).exists()
    count = UpdateEvent.objects.count()
    run_sync(account=account, steps=STEPS)
    assert UpdateEvent.objects.count() == count


def test_an_update_to_a_version_seen_before_is_a_new_event(account, agency):
    steps = ("sites", "wordpress")
    run_sync(account=account, steps=steps)
    env, item = an_update(agency)
    before, after = agency.apply_update(env.id, "plugin", item.name, logged=False)
    run_sync(account=account, steps=steps)
    item.version = before  # rolled back
    run_sync(account=account, steps=steps)
    agency.apply_update(env.id, "plugin", item.name, logged=False)  # and updated again

    run_sync(account=account, steps=steps)
    run_sync(account=account, steps=steps)

    rows = UpdateEvent.objects.filter(environment__kinsta_id=env.id, name=item.name).order_by("seen_at")
    assert [(r.from_version, r.to_version) for r in rows] == [(before, after), (after, before), (before, after)]


def test_the_report_says_when_and_by_whom_an_update_in_the_activity_log_was_made(account, agency, client, staff_user):
    from django.utils import timezone
    from django.utils.html import escape

    from kinsta_sync.models import Site
    from tests.factories import assign, make_client

    run_sync(account=account, steps=STEPS)
    env, item = an_update(agency)
    before, after = agency.apply_update(env.id, "plugin", item.name)
    entry = agency.activity[0]
    run_sync(account=account, steps=STEPS)
    acme = make_client("Acme Corp", slug="acme")
    assign(Site.objects.filter(kinsta_id=agency.sites[0].id), acme)
    client.force_login(staff_user)

    today = timezone.localdate()  # the update was made now: a period that includes today
    html = client.get(f"/clients/acme/?start={today.replace(day=1)}&end={today}").content.decode()

    day = timezone.localtime(when(entry.created_at)).strftime("%-d %b")
    who = entry.initiated_by.full_name  # the fake's first user has a hostile name: shown as text
    assert f"{item.title} {before} → {after} on {day} by {escape(who)}" in html
    assert "<script>alert" not in html


def test_an_update_the_hourly_activity_saw_first_becomes_the_observed_event_at_the_daily_sync(account, agency):
    run_sync(account=account, steps=STEPS)
    env, item = an_update(agency)
    before, after = agency.apply_update(env.id, "plugin", item.name)
    entry = agency.activity[0]

    run_sync(account=account, steps=("sites", "activity"))  # the hourly run: only the log knows it yet
    only_logged = UpdateEvent.objects.get(activity__kinsta_id=entry.id)
    assert (only_logged.observed, only_logged.from_version, only_logged.to_version) == (False, "", after)

    run_sync(account=account, steps=("sites", "wordpress"))  # the daily run sees the new version

    rows = list(UpdateEvent.objects.filter(environment__kinsta_id=env.id, name=item.name))
    assert [(r.observed, r.from_version, r.to_version, r.activity.kinsta_id) for r in rows] == [
        (True, before, after, entry.id)
    ]
    assert rows[0].happened_at == when(entry.created_at)
