#!/usr/bin/env python3
"""Update-merge benchmark: one hourly run of `merge_update_activity` against a year of update history.

    DEBUG=1 .venv/bin/python bench/update_merge.py [--entries 1000 20000] [--sites 100]

Seeds a throw-away SQLite database per size with `--entries` update entries spread over the past year (a
third tied to observed events, a third only in the activity log, a third in a shape the merge does not read)
and as many observed events no entry claims (auto-updates), runs the merge once (the first sync), adds one
new update (its entry and the sync that saw it) and prints the queries and the time of the run that merges it.
Target: the same queries and about the same time whatever the history.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--sites", type=int, default=100)
    args = parser.parse_args()

    os.environ.setdefault("DEBUG", "true")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    workdir = tempfile.mkdtemp(prefix="bench-merge-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    print(f"{'old entries':>11} {'queries':>8} {'elapsed':>9}")
    for size in args.entries:
        call_command("flush", "--no-input", verbosity=0)
        queries, elapsed = measure(size, args.sites)
        print(f"{size:>11} {queries:>8} {elapsed:>8.3f}s")


def measure(size: int, sites: int) -> tuple[int, float]:
    """Seed `size` old entries, merge them once, add one new update and time the merge that takes it."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from kinsta_sync.sync.update_activity import merge_update_activity

    account, envs = seed_sites(sites)
    seed_history(account, envs, size)
    merge_update_activity(context(account))
    seed_new_update(account, envs[0], kinsta_id=size + 1)
    reset_queries()  # the seeding filled the query log past its limit, which would hide the run's queries
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        merge_update_activity(context(account))
        elapsed = time.perf_counter() - started
    return len(queries), elapsed


def seed_sites(count: int):
    from kinsta_sync.models import Environment, KinstaAccount, Site

    account = KinstaAccount.objects.create(company_id="bench-company", name="Bench")
    sites = Site.objects.bulk_create(
        Site(account=account, kinsta_id=f"site-{i}", name=f"site-{i}", display_name=f"Site {i}") for i in range(count)
    )
    envs = Environment.objects.bulk_create(
        Environment(site=site, kinsta_id=f"env-{site.kinsta_id}", name="live", display_name="Live", is_live=True)
        for site in sites
    )
    return account, envs


def entry(account, env, kinsta_id: int, at, description: str):
    from kinsta_sync.models import ActivityLogEntry

    return ActivityLogEntry(account=account, kinsta_id=kinsta_id, site_id=env.site_id, occurred_at=at,
                            type="updatePlugin", description=description, initiated_by_name="Jane")  # fmt: skip


def description(env, title: str, version: str) -> str:
    return f'Update plugin "{title}" to {version} on "{env.site.display_name}" ({env.display_name})'


def seed_history(account, envs, size: int) -> None:
    """A year of updates: observed and claimed, only logged, unreadable, and observed but never logged."""
    from django.utils import timezone

    from kinsta_sync.models import ActivityLogEntry, UpdateEvent

    now = timezone.now()
    entries, events = [], []
    for i in range(size):
        env, at = envs[i % len(envs)], now - timedelta(days=20, minutes=i * 25)
        title, version = f"Plugin {i}", f"1.{i}.0"
        shape = i % 3
        text = description(env, title, version) if shape < 2 else f"Updated {title} to {version}"
        entries.append(entry(account, env, i + 1, at, text))
        if shape == 0:  # observed by the next daily sync
            events.append((i, UpdateEvent(environment=env, kind="plugin", name=f"plugin-{i}", title=title,
                                          from_version="1.0.0", to_version=version, seen_at=at + timedelta(hours=6),
                                          happened_at=at, updated_by="Jane")))  # fmt: skip
        auto = UpdateEvent(environment=env, kind="plugin", name=f"auto-{i}", title=f"Auto {i}", from_version="2.0",
                           to_version=f"2.{i}", seen_at=at, happened_at=at)  # fmt: skip
        events.append((None, auto))
    entries = ActivityLogEntry.objects.bulk_create(entries, batch_size=500)
    for index, event in events:
        if index is not None:
            event.activity = entries[index]
    UpdateEvent.objects.bulk_create([event for _, event in events], batch_size=500)


def seed_new_update(account, env, *, kinsta_id: int) -> None:
    from django.utils import timezone

    from kinsta_sync.models import UpdateEvent

    now = timezone.now()
    logged = entry(account, env, kinsta_id, now - timedelta(hours=3), description(env, "New", "9.0.0"))
    logged.save()
    UpdateEvent.objects.create(environment=env, kind="plugin", name="new", title="New", from_version="8.0.0",
                               to_version="9.0.0", seen_at=now, happened_at=now)  # fmt: skip


def context(account):
    """What a sync run hands the merge: the account and the run's counts."""
    from kinsta_sync.models import SyncRun
    from kinsta_sync.sync.run import _Context

    run = SyncRun.objects.create(account=account, trigger=SyncRun.Trigger.MANUAL)
    return _Context(account=account, run=run, client=None, lease_token="", full=False, progress=None)


if __name__ == "__main__":
    main()
