"""kinsta_sync.sync.run: a full sync, the lease, concurrent syncs and the configured rate."""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kinsta_sync.models import (
    ActivityLogEntry,
    AnalyticsPoint,
    CompanyUser,
    Environment,
    KinstaAccount,
    Region,
    Site,
    SyncRun,
)
from kinsta_sync.sync import claim_lease, exit_code, release_lease, run_sync
from tests.kinsta_sync.sync.helpers import expected_points

pytestmark = pytest.mark.django_db


def test_a_full_sync_stores_exactly_what_the_fake_serves(account, agency, fake_app):
    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert run.errors == []
    assert set(Site.objects.values_list("kinsta_id", flat=True)) == {s.id for s in agency.sites}
    assert set(Environment.objects.values_list("kinsta_id", flat=True)) == {
        e.id for s in agency.sites for e in s.environments
    }
    stored = set(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value"))
    assert stored == expected_points(agency, days=60)
    # Gaps stay gaps: no zero rows for days the fake has no data for.
    assert len(stored) < 60 * 4 * Environment.objects.count()
    assert set(CompanyUser.objects.values_list("kinsta_id", flat=True)) == {u.id for u in agency.users}
    assert set(ActivityLogEntry.objects.values_list("kinsta_id", flat=True)) == {a.id for a in agency.activity}
    assert Region.objects.count() == len(agency.regions)
    # Labels and domains arrive as Kinsta lists them.
    for fake_site in agency.sites:
        site = Site.objects.get(kinsta_id=fake_site.id)
        assert site.display_name == fake_site.display_name
        assert sorted(site.labels.values_list("name", flat=True)) == sorted(label.name for label in fake_site.labels)
        live = site.environments.get(is_live=True)
        assert live.primary_domain == fake_site.live.primary_domain.name
        assert live.php_version == fake_site.live.php_version
    # The run accounts for its requests, and the fake agrees.
    assert run.requests == fake_app.stats.requests
    assert run.counts["analytics"]["created"] == len(stored)
    account.refresh_from_db()
    assert account.api_key_status == "active"
    assert account.sync_lease_until is None


def test_the_lease_lets_one_sync_run_at_a_time(account):
    token = claim_lease(account)
    assert token is not None

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SKIPPED
    assert "Another sync" in run.errors[0]["message"]
    assert exit_code([run]) == 2
    assert not Site.objects.exists()
    release_lease(account, token)
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS


def test_a_run_waiting_longer_than_its_lease_for_the_rate_limit_keeps_the_lease_and_finishes(
    account, agency, fake_app, settings
):
    """Kinsta asks for a 3-second pause (Retry-After) of a run whose lease lasts 2 seconds; after every
    second of the wait, another run tries to take the lease over, as a second worker would."""
    import time

    from kinsta_sync.api.limits import RateLimiter
    from kinsta_sync.sync import client_for_account

    settings.KINSTA_SYNC_LEASE_SECONDS = 2
    fake_app.faults.add("429", path="/sites", times=1, seconds=3)
    takeovers: list[str] = []

    def sleep_then_try_to_take_over(seconds: float) -> None:
        time.sleep(seconds)
        token = claim_lease(account)
        if token is not None:
            takeovers.append(token)

    limiter = RateLimiter(100_000, 100_000, sleep=sleep_then_try_to_take_over)
    client = client_for_account(account, limiter=limiter)
    run = run_sync(account=account, client=client, steps=("validate", "sites"))
    client.close()

    assert takeovers == []
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert run.throttled == 1
    assert Site.objects.count() == len(agency.active_sites())
    # The wait was longer than the lease, so only renewals during it kept the lease.
    assert limiter.wall_clock() - run.started_at.timestamp() > 3


def test_a_skipped_run_ends_when_it_starts(account):
    token = claim_lease(account)
    run = run_sync(account=account)
    release_lease(account, token)
    assert run.status == SyncRun.Status.SKIPPED
    run.refresh_from_db()
    assert run.finished_at == run.started_at
    assert run.duration_seconds == 0


def test_the_migration_makes_runs_that_ended_before_they_started_end_when_they_start(account):
    from django.apps import apps

    migration = importlib.import_module("kinsta_sync.migrations.0003_skipped_runs_end_when_they_start")
    now = timezone.now()
    wrong = SyncRun.objects.create(account=account, trigger="schedule", status="skipped", started_at=now,
                                   finished_at=now - timedelta(microseconds=12))  # fmt: skip
    right = SyncRun.objects.create(account=account, trigger="schedule", status="success", started_at=now,
                                   finished_at=now + timedelta(seconds=5))  # fmt: skip
    running = SyncRun.objects.create(account=account, trigger="schedule", started_at=now)

    migration.end_no_run_before_it_starts(apps, None)

    for run in (wrong, right, running):
        run.refresh_from_db()
    assert wrong.finished_at == wrong.started_at == now
    assert right.finished_at == now + timedelta(seconds=5)
    assert running.finished_at is None


def test_an_expired_lease_of_a_dead_run_is_taken_over(account):
    # A sync process killed mid-run leaves its lease behind; once it expires the next run proceeds.
    KinstaAccount.objects.filter(pk=account.pk).update(
        sync_lease_until=timezone.now() - timedelta(seconds=1), sync_lease_token="dead-run"
    )

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_syncs_store_no_duplicates(account, agency):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        # Shared-cache in-memory SQLite locks whole tables across threads; the lease logic is the same.
        pytest.skip("needs a file-based SQLite or PostgreSQL test database")
    runs: list[SyncRun] = []
    barrier = threading.Barrier(2)

    def sync() -> None:
        barrier.wait()
        try:
            runs.append(run_sync(account=KinstaAccount.objects.get(pk=account.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(run.status for run in runs)
    assert statuses == [SyncRun.Status.SKIPPED, SyncRun.Status.SUCCESS]
    stored = list(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day"))
    assert len(stored) == len(set(stored))
    assert set(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value")) == (
        expected_points(agency, days=60)
    )


def test_a_whole_sync_stays_under_the_configured_rate_by_the_fakes_own_count(account, agency):
    """Both sides run on one clock 30 times faster than real time, so a 'minute' lasts two seconds."""
    import time

    from kinsta_sync.api.limits import RateLimiter
    from kinsta_sync.fake.app import FakeKinsta
    from kinsta_sync.fake.server import serve
    from kinsta_sync.sync import client_for_account
    from tests.conftest import FAKE_KEY

    speed = 30.0
    start = time.monotonic()

    def clock() -> float:
        return start + (time.monotonic() - start) * speed

    def sleep(seconds: float) -> None:
        time.sleep(seconds / speed)

    limit = 12
    app = FakeKinsta(agency, api_key=FAKE_KEY, requests_per_minute=120, clock=clock)
    with serve(app) as server:
        # The limiter's safety margin (its window is longer than the server's 60 s) shrinks 30-fold in
        # real time too; 65 fake seconds keep ~170 ms of real slack for a busy machine.
        limiter = RateLimiter(limit, logs_per_minute=limit, window=65.0, clock=clock, sleep=sleep)
        client = client_for_account(account, base_url=server.url, limiter=limiter)
        run = run_sync(account=account, client=client)
        client.close()

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert app.stats.requests > 2 * limit  # the limit really bound the run
    assert app.stats.max_rate_per_minute <= limit
    assert app.stats.throttled == 0
