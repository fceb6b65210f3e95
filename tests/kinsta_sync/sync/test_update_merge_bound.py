"""The update merge stays cheap as the history grows: a run reads what is new, not the account's whole log of
updates, and matches an entry only to an event seen within `MATCH_WINDOW` after it.

The history is built in the database (a year of it through the fake would take a year of fake syncs); the
merge runs as the sync runs it, on a real run context. What a run reads is counted by the model instances
Django builds from its queries (`post_init`), next to its query count."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kinsta_sync.models import ActivityLogEntry, SyncRun, UpdateEvent
from kinsta_sync.sync import run_sync
from kinsta_sync.sync.run import _Context
from kinsta_sync.sync.update_activity import MATCH_WINDOW, merge_update_activity
from tests.factories import make_account, make_site

pytestmark = pytest.mark.django_db

_ids = count(1)


def merge(account) -> None:
    """One merge, as the activity and wordpress steps call it."""
    run = SyncRun.objects.create(account=account, trigger=SyncRun.Trigger.MANUAL)
    merge_update_activity(_Context(account=account, run=run, client=None, lease_token="", full=False, progress=None))


@contextmanager
def reads():
    """The queries of the block and the rows it read, by model."""
    built: Counter[str] = Counter()

    def count_row(sender, **kwargs):
        built[sender.__name__] += 1

    post_init.connect(count_row)
    try:
        with CaptureQueriesContext(connection) as queries:
            yield queries, built
    finally:
        post_init.disconnect(count_row)


def logged(env, title: str, version: str, *, at, description: str | None = None) -> ActivityLogEntry:
    """Kinsta's activity entry of an update, as the activity step stores it."""
    text = description or f'Update plugin "{title}" to {version} on "{env.site.display_name}" ({env.display_name})'
    return ActivityLogEntry.objects.create(account=env.site.account, kinsta_id=next(_ids), site=env.site,
                                           site_kinsta_id=env.site.kinsta_id, occurred_at=at, type="updatePlugin",
                                           description=text, initiated_by_name="Jane")  # fmt: skip


def observed(env, title: str, version: str, *, at) -> UpdateEvent:
    """A version change a wordpress sync saw at `at`."""
    return UpdateEvent.objects.create(environment=env, kind="plugin", name=title.lower(), title=title,
                                      from_version="1.0", to_version=version, seen_at=at)  # fmt: skip


def add_history(env, size: int, *, start: int) -> None:
    """`size` old updates the merge has read: claimed by the sync that saw them, only in the log, in a shape
    the merge does not read, and observed updates no entry claims (auto-updates)."""
    now = timezone.now()
    for i in range(start, start + size):
        at = now - timedelta(days=30 + i)
        if i % 3 == 0:
            observed(env, f"Claimed {i}", "2.0", at=at + timedelta(hours=5))
            logged(env, f"Claimed {i}", "2.0", at=at)
        elif i % 3 == 1:
            logged(env, f"Logged {i}", "2.0", at=at)
        else:
            logged(env, f"Other {i}", "2.0", at=at, description=f"Plugin Other {i} was updated")
        observed(env, f"Auto {i}", "3.0", at=at)
    merge(env.site.account)


def one_new_update(env, title: str) -> None:
    now = timezone.now()
    logged(env, title, "9.0", at=now - timedelta(hours=2))
    observed(env, title, "9.0", at=now)


def test_a_run_reads_what_is_new_not_the_history():
    env = make_site(make_account(), name="shop").live
    measured = []
    for size, start in ((10, 0), (190, 10)):  # 10, then 200 old updates
        add_history(env, size, start=start)
        one_new_update(env, f"New {size}")
        with reads() as (queries, built):
            merge(env.site.account)
        measured.append((len(queries), dict(built)))

    assert measured[0] == measured[1]
    queries, built = measured[1]
    assert built["ActivityLogEntry"] == 1  # the new entry, none of the 200 old ones
    assert built["UpdateEvent"] == 1  # the sync that saw it, none of the 200 old open events
    claimed = UpdateEvent.objects.get(title="New 190")
    assert (claimed.observed, claimed.happened_at, claimed.updated_by) == (True, claimed.activity.occurred_at, "Jane")
    # The history merged once, when it was new: every entry in the known shape has its event, auto-updates none.
    unread = ActivityLogEntry.objects.filter(update_event__isnull=True)
    assert set(unread.values_list("description", flat=True)) == {
        f"Plugin Other {i} was updated" for i in range(2, 200, 3)
    }
    assert UpdateEvent.objects.filter(title__startswith="Auto", activity__isnull=True).count() == 200


def test_an_update_listed_twice_is_one_event_and_the_next_runs_go_on():
    env = make_site(make_account(), name="shop").live
    at = timezone.now() - timedelta(days=40)
    first, second = (logged(env, "Twice", "2.0", at=at) for _ in range(2))
    merge(env.site.account)

    event = UpdateEvent.objects.get(title="Twice")
    assert event.activity in (first, second) and not event.observed
    one_new_update(env, "Later")
    merge(env.site.account)
    assert UpdateEvent.objects.get(title="Later").activity is not None
    assert not ActivityLogEntry.objects.filter(update_merged=False).exists()


def test_an_entry_in_another_shape_is_read_once():
    env = make_site(make_account(), name="shop").live
    entry = logged(env, "Other", "2.0", at=timezone.now(), description="Plugin Other was updated to 2.0")
    merge(env.site.account)

    with reads() as (_, built):
        merge(env.site.account)

    assert "ActivityLogEntry" not in built
    assert not UpdateEvent.objects.exists()
    entry.refresh_from_db()
    assert entry.update_merged


def test_an_activity_only_update_older_than_the_window_is_not_read_again():
    env = make_site(make_account(), name="shop").live
    now = timezone.now()
    logged(env, "Old", "2.0", at=now - MATCH_WINDOW - timedelta(hours=1))
    logged(env, "Recent", "2.0", at=now - MATCH_WINDOW + timedelta(hours=1))
    merge(env.site.account)
    assert UpdateEvent.objects.filter(observed=False).count() == 2

    with reads() as (_, built):
        merge(env.site.account)

    assert built["ActivityLogEntry"] == 1  # the recent one may still be observed by a late sync
    assert built["UpdateEvent"] == 1  # its activity-only event, read with it


def test_an_update_seen_more_than_the_window_after_the_entry_is_not_its_observation():
    env = make_site(make_account(), name="shop").live
    at = timezone.now() - timedelta(days=30)
    late = observed(env, "Late", "2.0", at=at + MATCH_WINDOW + timedelta(minutes=1))
    in_time = observed(env, "InTime", "2.0", at=at + MATCH_WINDOW)
    late_entry = logged(env, "Late", "2.0", at=at)
    in_time_entry = logged(env, "InTime", "2.0", at=at)

    merge(env.site.account)

    late.refresh_from_db()
    in_time.refresh_from_db()
    assert late.activity is None  # another update to 2.0, done outside MyKinsta
    assert UpdateEvent.objects.get(activity=late_entry).observed is False
    assert in_time.activity == in_time_entry


def test_the_first_sync_makes_every_entry_older_than_the_window_an_event(account, agency):
    oldest = timezone.now() - MATCH_WINDOW
    run_sync(account=account, steps=("sites", "activity", "wordpress"))

    old = ActivityLogEntry.objects.filter(type__in=["updatePlugin", "updateTheme"], occurred_at__lt=oldest)
    assert old.filter(has_failed=False).count() > 10  # the fake's 75 days of history
    assert not old.filter(has_failed=False, update_event__isnull=True).exists()
    assert not ActivityLogEntry.objects.filter(update_merged=False).exists()


def test_an_entry_the_activity_step_rewrites_is_read_again(account, agency):
    steps = ("sites", "activity")
    env = agency.sites[0].live
    agency.log_update(env.id, "plugin", "Renamed Later", "5.0")
    entry = agency.activity[0]
    entry.descriptions[0] = "Something Kinsta wrote about Renamed Later"
    run_sync(account=account, steps=steps)
    assert not UpdateEvent.objects.filter(activity__kinsta_id=entry.id).exists()

    entry.descriptions[0] = f'Update plugin "Renamed Later" to 5.0 on "{agency.sites[0].display_name}" (Live)'
    account.activity_cursor_id = None  # as after a pass that failed halfway: the next one reads the log again
    account.save(update_fields=["activity_cursor_id"])
    run_sync(account=account, steps=steps)

    event = UpdateEvent.objects.get(activity__kinsta_id=entry.id)
    assert (event.observed, event.title, event.to_version) == (False, "Renamed Later", "5.0")
