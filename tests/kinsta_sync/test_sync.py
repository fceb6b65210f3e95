"""The sync against the fake Kinsta over real HTTP: completeness, idempotency, incremental runs, removal,
leases and concurrency."""

from __future__ import annotations

import dataclasses
import importlib
import re
import threading
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from kinsta_sync.models import (
    METRIC_API_PATHS,
    ActivityLogEntry,
    AnalyticsPoint,
    CompanyUser,
    Environment,
    KinstaAccount,
    Region,
    Site,
    SiteLabel,
    SyncRun,
    today_utc,
)
from kinsta_sync.sync import DAILY_STEPS, HOURLY_STEPS, claim_lease, exit_code, release_lease, run_sync
from tests.conftest import FAKE_KEY

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    """Every mirrored row, as plain values, to compare two states of the database."""
    return {
        "sites": sorted(Site.objects.values_list("kinsta_id", "name", "display_name", "status", "removed_at")),
        "labels": sorted(Site.labels.through.objects.values_list("site__kinsta_id", "sitelabel__name")),
        "envs": sorted(
            Environment.objects.values_list(
                "kinsta_id",
                "site__kinsta_id",
                "name",
                "display_name",
                "php_version",
                "wordpress_version",
                "primary_domain",
                "removed_at",
                "analytics_synced_through",
                "updated_at",
            )
        ),
        "points": sorted(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value")),
        "users": sorted(CompanyUser.objects.values_list("kinsta_id", "email", "full_name", "removed_at", "updated_at")),
        "activity": sorted(ActivityLogEntry.objects.values_list("kinsta_id", "type", "description", "has_failed")),
        "regions": sorted(Region.objects.values_list("region", "name")),
    }


def expected_points(agency, *, days: int) -> set[tuple[str, str, object, int]]:
    """What the fake serves for every live environment over the backfill window."""
    today = today_utc()
    expected = set()
    for site in agency.active_sites():
        for env in site.environments:
            for metric, api_path in METRIC_API_PATHS.items():
                for offset in range(days):
                    day = today - timedelta(days=offset)
                    value = agency.analytics_value(env.id, api_path, day)
                    if value is not None:
                        expected.add((env.id, str(metric), day, value))
    return expected


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


def test_a_fake_serving_numeric_label_ids_syncs_every_site_label_and_analytics_point(account, agency, fake_app):
    # Public clients recorded label ids as JSON numbers from the live API (issue 10); the fake serves the
    # labels of every third site that way. Before the client accepted them, each such site was dropped.
    headers = {"Authorization": f"Bearer {FAKE_KEY}"}
    with httpx.Client(
        base_url="http://fake.test", transport=httpx.WSGITransport(app=fake_app), headers=headers
    ) as http:
        served = http.get("/sites", params={"company": agency.company_id}).json()["company"]["sites"]
    numeric = {site["id"] for site in served if any(isinstance(label["id"], int) for label in site["siteLabels"])}
    assert numeric, "the fake serves some label ids as numbers"

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert Site.objects.count() == len(agency.sites) == run.counts["sites"]["created"]
    assert SiteLabel.objects.count() == len({label.id for site in agency.sites for label in site.labels})
    pairs = set(Site.labels.through.objects.values_list("site__kinsta_id", "sitelabel__kinsta_id"))
    assert pairs == {(site.id, label.id) for site in agency.sites for label in site.labels}
    assert len(pairs) == sum(len(site.labels) for site in agency.sites)
    expected = expected_points(agency, days=60)
    assert AnalyticsPoint.objects.count() == len(expected) == run.counts["analytics"]["created"]
    numeric_envs = {env.id for site in agency.sites if site.id in numeric for env in site.environments}
    stored = AnalyticsPoint.objects.filter(environment__kinsta_id__in=numeric_envs).count()
    assert stored == len([point for point in expected if point[0] in numeric_envs]) > 0


def test_a_second_sync_changes_nothing(account, fake_app):
    run_sync(account=account)
    before = snapshot()

    second = run_sync(account=account)

    assert second.status == SyncRun.Status.SUCCESS, second.errors
    assert snapshot() == before
    for name, counts in second.counts.items():
        assert counts["created"] == counts["updated"] == counts["removed"] == 0, name


def test_what_changed_on_kinsta_is_updated_and_only_that(account, agency):
    run_sync(account=account, steps=HOURLY_STEPS)
    renamed, upgraded, user = agency.sites[2], agency.sites[3].live, agency.users[0]
    renamed.display_name = "Renamed in MyKinsta"
    upgraded.php_version = "php8.4"
    agency.users[0] = dataclasses.replace(user, full_name="New Name")

    second = run_sync(account=account, steps=HOURLY_STEPS)

    assert Site.objects.get(kinsta_id=renamed.id).display_name == "Renamed in MyKinsta"
    assert Environment.objects.get(kinsta_id=upgraded.id).php_version == "php8.4"
    assert CompanyUser.objects.get(kinsta_id=user.id).full_name == "New Name"
    counts = second.counts
    assert (counts["sites"]["updated"], counts["environments"]["updated"], counts["users"]["updated"]) == (1, 1, 1)
    assert counts["sites"]["unchanged"] == len(agency.active_sites()) - 1
    assert counts["sites"]["created"] == counts["environments"]["created"] == counts["users"]["created"] == 0


def test_a_later_sync_fetches_only_the_last_days(account, fake_app, settings):
    run_sync(account=account)
    fake_app.stats.reset()

    run_sync(account=account, steps=DAILY_STEPS)

    analytics = [r for r in fake_app.stats.log if "/analytics/" in r.path]
    assert len(analytics) == 4 * Environment.objects.count()
    today = today_utc()
    for record in analytics:
        assert record.query["to"] == today.isoformat()
        assert record.query["from"] == (today - timedelta(days=settings.KINSTA_REFETCH_DAYS - 1)).isoformat()


def test_a_sync_after_a_long_pause_fills_the_gap(account, agency, settings):
    run_sync(account=account)
    # Pretend the last complete day was 20 days ago and those days were lost.
    twenty_days_ago = today_utc() - timedelta(days=20)
    Environment.objects.update(analytics_synced_through=twenty_days_ago)
    AnalyticsPoint.objects.filter(day__gt=twenty_days_ago).delete()

    run_sync(account=account, steps=DAILY_STEPS)

    stored = set(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value"))
    assert stored == expected_points(agency, days=60)


def test_the_first_sync_backfills_more_than_sixty_days_in_chunks(account, agency, settings, fake_app):
    settings.KINSTA_BACKFILL_DAYS = 75

    run_sync(account=account, steps=("sites", "analytics"))

    stored = set(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value"))
    assert stored == expected_points(agency, days=75)
    # 75 days is two requests per metric: Kinsta answers at most 60 days at a time.
    analytics = [r for r in fake_app.stats.log if "/analytics/" in r.path]
    assert len(analytics) == 2 * 4 * Environment.objects.count()


def test_a_site_gone_from_kinsta_is_marked_removed_and_keeps_its_history(account, agency):
    run_sync(account=account)
    gone = agency.sites[0]
    points_before = AnalyticsPoint.objects.filter(environment__site__kinsta_id=gone.id).count()
    assert points_before > 0

    agency.remove_site(gone.id)
    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    site = Site.objects.get(kinsta_id=gone.id)
    assert site.removed_at is not None
    assert all(env.removed_at is not None for env in site.environments.all())
    assert AnalyticsPoint.objects.filter(environment__site=site).count() == points_before
    assert run.counts["sites"]["removed"] == 1
    assert Site.objects.filter(removed_at__isnull=True).count() == len(agency.sites) - 1


def test_a_site_that_comes_back_is_no_longer_removed(account, agency):
    run_sync(account=account)
    back = agency.sites[1]
    agency.remove_site(back.id)
    run_sync(account=account, steps=HOURLY_STEPS)
    back.removed = False

    run_sync(account=account, steps=HOURLY_STEPS)

    assert Site.objects.get(kinsta_id=back.id).removed_at is None


def test_hostile_names_are_stored_verbatim(account, agency):
    run_sync(account=account, steps=("sites",))

    for fake_site in agency.sites:
        assert Site.objects.get(kinsta_id=fake_site.id).display_name == fake_site.display_name


def test_a_20_mb_site_name_is_stored_cut_and_the_cut_recorded(account, agency):
    victim = agency.sites[0]
    victim.display_name = "N" * 20_000_000

    run = run_sync(account=account, steps=("sites",))

    # The row is stored with the first 2,000 characters (KINSTA_MAX_STRING_CHARS); the run says so, and a
    # cut is a warning, not a failure: the run still succeeds.
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert Site.objects.get(kinsta_id=victim.id).display_name == "N" * 2_000
    (cut,) = run.errors
    assert (cut["step"], cut["endpoint"], cut["item"], cut["field"], cut["level"]) == (
        "sites",
        "GET /sites",
        victim.id,
        "site.display_name",
        "warning",
    )
    assert cut["message"] == (
        "site.display_name is 20,000,000 characters long; stored its first 2,000 (KINSTA_MAX_STRING_CHARS)."
    )
    # The next sync finds the stored row unchanged, and says again what it cut.
    again = run_sync(account=account, steps=("sites",))
    assert again.counts["sites"]["updated"] == 0
    assert [e["field"] for e in again.errors] == ["site.display_name"]


def test_every_string_the_sync_stores_is_cut_to_its_cap_and_a_flood_of_cuts_is_counted(account, agency, settings):
    settings.KINSTA_MAX_STRING_CHARS, settings.KINSTA_MAX_TEXT_CHARS = 4, 6

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS, [e for e in run.errors if e.get("level") != "warning"]
    rows = [
        *Site.objects.values_list("name", "display_name", "status"),
        *SiteLabel.objects.values_list("name"),
        *Environment.objects.values_list("name", "display_name", "php_version", "wordpress_version", "primary_domain"),
        *CompanyUser.objects.values_list("email", "full_name", "image"),
        *Region.objects.values_list("name"),
        *ActivityLogEntry.objects.values_list("type", "ip_address", "initiated_by_name", "api_key_name"),
        *KinstaAccount.objects.filter(pk=account.pk).values_list("api_key_name", "api_key_status"),
    ]
    assert max(len(value) for row in rows for value in row) == 4
    assert max(len(d) for domains in Environment.objects.values_list("domains", flat=True) for d in domains) == 4
    assert max(len(d) for d in ActivityLogEntry.objects.values_list("description", flat=True)) == 6
    assert {e["level"] for e in run.errors} == {"warning"}
    entries = {step: [e for e in run.errors if e["step"] == step] for step in ("validate", "sites", "activity")}
    assert entries["validate"][0]["field"] == "api_key.name"
    # Up to 20 entries of their own per step, then one that counts the rest.
    for step in ("sites", "activity"):
        assert len(entries[step]) == 21
        *own, rest = entries[step]
        assert all(e["item"] and e["field"] for e in own)
        assert re.fullmatch(r"[0-9,]+ more strings were stored cut to their cap in this step\.", rest["message"])


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


def test_an_agency_whose_every_string_is_hostile_syncs_completely(db, kinsta_settings):
    from kinsta_sync.fake.app import FakeKinsta
    from kinsta_sync.fake.data import AgencySpec, FakeAgency
    from kinsta_sync.fake.server import serve
    from tests.conftest import FAKE_KEY

    agency = FakeAgency.generate(AgencySpec(seed=5, sites=8, days=10, users=4, hostile_everywhere=True))
    with serve(FakeKinsta(agency, api_key=FAKE_KEY, requests_per_minute=100_000)) as server:
        kinsta_settings.KINSTA_API_URL = server.url
        account = KinstaAccount(company_id=agency.company_id, name="Hostile")
        account.set_api_key(FAKE_KEY)
        account.save()
        run = run_sync(account=account)

    # Names over KINSTA_MAX_STRING_CHARS (the 10,000-character one) are stored cut, each cut a warning.
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert {e.get("level") for e in run.errors} <= {"warning"}
    names = dict(Site.objects.values_list("kinsta_id", "display_name"))
    for fake_site in agency.sites:
        # Stored verbatim up to the cap, except NUL, which PostgreSQL text cannot hold: it becomes U+FFFD.
        assert names[fake_site.id] == fake_site.display_name.replace("\x00", "\ufffd")[:2_000]
    long_ones = {site.id for site in agency.sites if len(site.display_name) > 2_000}
    assert long_ones, "the hostile agency has a name over the cap"
    assert long_ones <= {e["item"] for e in run.errors if e["field"] == "site.display_name"}
    descriptions = ActivityLogEntry.objects.values_list("description", flat=True)
    assert any("DROP TABLE" in d for d in descriptions)
