"""The fault matrix: a sync runs into each fault the fake can inject.

For every fault: the run names what failed and where (or counts the 429s/retries it absorbed), no stored
row is lost or wrongly changed, and the next clean run leaves the mirror equal to the fake's data.
Reproduce: `python3 runtests.py tests/kinsta_sync/sync/test_faults.py -v`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from kinsta_sync.models import AnalyticsPoint, Site, SyncRun
from kinsta_sync.sync import exit_code, run_sync
from tests.kinsta_sync.sync.helpers import age_mirror, expected_points, snapshot, stored_points

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    kind: str
    path: str | None
    times: int = 1
    seconds: float = 0.0
    # What the faulty run must show: "error" (recorded on the run), "throttled" or "retried" (absorbed).
    expect: str = "error"
    step: str = ""  # the step the error is recorded on

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.path or 'any'}-{self.times}"


# One environment's visits: a persistent fault there exercises the whole retry budget once, not per site.
ANALYTICS = "{env}/analytics/visits"
CASES = [
    Case("429", "/sites", times=2, expect="throttled"),
    Case("429", ANALYTICS, times=-1, step="analytics"),
    Case("500", ANALYTICS, times=1, expect="retried"),
    Case("500", ANALYTICS, times=-1, step="analytics"),
    Case("502", "/company/", times=1, expect="retried"),
    Case("503", "/sites", times=-1, step="sites"),
    Case("timeout", ANALYTICS, times=-1, seconds=1.5, step="analytics"),
    Case("reset", "/activity-logs", times=-1, step="activity"),
    Case("reset", ANALYTICS, times=1, expect="retried"),
    Case("malformed_json", "/sites", times=1, step="sites"),
    Case("malformed_json", ANALYTICS, times=1, step="analytics"),
    Case("missing_field", "/sites", times=1, step="sites"),
    Case("missing_field", "/users", times=1, step="users"),
    Case("missing_field", ANALYTICS, times=1, step="analytics"),
    Case("non_numeric", ANALYTICS, times=1, step="analytics"),
    # 100 MiB where the site list should be: refused at the 32 MiB cap (KINSTA_MAX_RESPONSE_BYTES).
    Case("huge_body", "/sites", times=1, step="sites"),
    Case("unknown_fields", None, times=-1, expect="nothing"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_fault_is_recorded_loses_nothing_and_heals(case, account, agency, fake_app, settings):
    settings.KINSTA_TIMEOUT = 0.75
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS
    age_mirror(days=5)
    before = stored_points()
    sites_before = set(Site.objects.filter(removed_at__isnull=True).values_list("kinsta_id", flat=True))

    path = case.path.format(env=agency.sites[0].live.id) if case.path else None
    fake_app.faults.add(case.kind, path=path, times=case.times, seconds=case.seconds)
    faulty = run_sync(account=account)
    fake_app.faults.clear()

    if case.expect == "error":
        assert faulty.status in (SyncRun.Status.PARTIAL, SyncRun.Status.FAILED)
        assert exit_code([faulty]) >= 1
        errors = [e for e in faulty.errors if e["step"] == case.step]
        assert errors, faulty.errors
        assert all(e["endpoint"] and e["message"] for e in errors)
        if case.path:
            assert any(case.path.split("/")[-1] in e["endpoint"] for e in errors), errors
    else:
        assert faulty.status == SyncRun.Status.SUCCESS, faulty.errors
        if case.expect == "throttled":
            assert faulty.throttled == case.times
        elif case.expect == "retried":
            assert faulty.retries >= 1

    # Nothing stored before the fault is lost or changed to a wrong value.
    after = stored_points()
    assert all(after.get(key) == value for key, value in before.items())
    # A fault never marks a site removed: a broken list, or an item without a readable id, stops the marking.
    assert set(Site.objects.filter(removed_at__isnull=True).values_list("kinsta_id", flat=True)) == sites_before

    healed = run_sync(account=account)

    assert healed.status == SyncRun.Status.SUCCESS, healed.errors
    assert {(*key, value) for key, value in stored_points().items()} == expected_points(agency, days=60)


def test_a_response_over_the_size_cap_fails_its_step_after_reading_no_more_than_the_cap(
    account, agency, fake_app, settings
):
    """A 100 MiB site list (streamed by the fake, no Content-Length) against a 1 MiB cap."""
    settings.KINSTA_MAX_RESPONSE_BYTES = 1024 * 1024
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS
    before = snapshot()
    fault = fake_app.faults.add("huge_body", path="/sites", size=100 * 1024 * 1024)

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.PARTIAL
    (error,) = run.errors
    assert (error["step"], error["endpoint"]) == ("sites", "GET /sites")
    assert "larger than the cap of 1 MiB (KINSTA_MAX_RESPONSE_BYTES)" in error["message"]
    # Read up to the cap and then hung up on: the fake never produced anything near 100 MiB.
    assert fault.streamed < 8 * 1024 * 1024
    assert run.retries == 0
    assert snapshot() == before
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS


def test_a_revoked_key_fails_the_run_and_changes_nothing(account, fake_app):
    run_sync(account=account)
    before = snapshot()
    fake_app.revoke_key()

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.FAILED
    assert exit_code([run]) == 2
    assert run.errors[0]["step"] == "validate"
    assert "401" in run.errors[0]["message"] or "key" in run.errors[0]["message"].lower()
    # The run stops at the first 401 instead of spending the rate budget on more of them.
    assert run.requests == 1
    assert snapshot() == before
    fake_app.restore_key()
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS


def test_a_site_removed_mid_sync_is_recorded_and_marked_removed_next_time(account, agency):
    run_sync(account=account)
    age_mirror(days=5)
    victim = agency.sites[2]
    history = AnalyticsPoint.objects.filter(environment__site__kinsta_id=victim.id).count()

    def remove_during_analytics(run: SyncRun) -> None:
        if run.current_step == "analytics" and not victim.removed:
            agency.remove_site(victim.id)

    faulty = run_sync(account=account, progress=remove_during_analytics)

    assert faulty.status == SyncRun.Status.PARTIAL
    assert {e["item"] for e in faulty.errors} <= {env.id for env in victim.environments}
    assert all("404" in e["message"] or "not found" in e["message"].lower() for e in faulty.errors)
    assert AnalyticsPoint.objects.filter(environment__site__kinsta_id=victim.id).count() == history

    healed = run_sync(account=account)

    assert healed.status == SyncRun.Status.SUCCESS, healed.errors
    assert Site.objects.get(kinsta_id=victim.id).removed_at is not None
    assert AnalyticsPoint.objects.filter(environment__site__kinsta_id=victim.id).count() == history


def test_an_unreachable_api_fails_the_run_with_exit_code_2(account, fake_server, settings):
    fake_server.stop()

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.FAILED
    assert exit_code([run]) == 2
    assert {e["step"] for e in run.errors} >= {"validate", "sites"}


def kill_a_sync_process_mid_analytics(fake_app, **env_overrides: str) -> None:
    """Start a real `manage.py kinsta_sync` process and SIGKILL it while it syncs analytics."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if db["NAME"].startswith("file:memorydb") or db["NAME"] == ":memory:":
            pytest.skip("needs a database another process can open (file-based SQLite or PostgreSQL)")
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "KINSTA_SYNC_LEASE_SECONDS")}
    env.update(DEBUG="true", DATABASE_URL=url, KINSTA_API_URL=settings.KINSTA_API_URL)
    env.update(KINSTA_REQUESTS_PER_MINUTE="100000", KINSTA_COMPANY_ID="", KINSTA_API_KEY="", **env_overrides)
    # Every analytics answer takes a while, so the process is surely mid-run when it is killed.
    fake_app.faults.add("slow", path="/analytics/", times=-1, seconds=0.3)
    root = Path(__file__).resolve().parents[3]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "kinsta_sync"], cwd=root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Generous: on a loaded machine the process takes a while to start; the loop ends as soon as it is mid-run.
    deadline = time.monotonic() + 90
    while not AnalyticsPoint.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    fake_app.faults.clear()


@pytest.mark.django_db(transaction=True)
def test_a_sync_process_killed_mid_run_leaves_a_lease_that_expires_and_the_next_run_heals(account, agency, fake_app):
    """A real `manage.py kinsta_sync` process, killed with SIGKILL while it syncs analytics."""
    import time

    from kinsta_sync.models import KinstaAccount

    kill_a_sync_process_mid_analytics(fake_app, KINSTA_SYNC_LEASE_SECONDS="2")

    killed = SyncRun.objects.get()
    assert killed.status == SyncRun.Status.RUNNING
    assert KinstaAccount.objects.get(pk=account.pk).sync_lease_until is not None
    stored_before = stored_points()
    assert stored_before, "the killed run had stored some analytics"

    # While the dead run's lease lasts, a new run is refused; after it expires, the next run heals.
    assert run_sync(account=account).status == SyncRun.Status.SKIPPED
    time.sleep(2.1)
    healed = run_sync(account=account)

    assert healed.status == SyncRun.Status.SUCCESS, healed.errors
    assert {(*key, value) for key, value in stored_points().items()} == expected_points(agency, days=60)
    killed.refresh_from_db()
    assert killed.status == SyncRun.Status.FAILED
    assert "stopped without finishing" in killed.errors[-1]["message"]


@pytest.mark.django_db(transaction=True)
def test_a_killed_sync_is_seen_as_dead_within_a_minute_and_the_next_run_goes_ahead(
    account, agency, fake_app, monkeypatch
):
    """With the default lease (KINSTA_SYNC_LEASE_SECONDS=60, not the 30 minutes of old), a process killed
    mid-run leaves a lease that ends within a minute; a sync a minute later runs and marks the dead one."""
    from django.utils import timezone

    from kinsta_sync.models import KinstaAccount
    from kinsta_sync.sync import run as run_module

    kill_a_sync_process_mid_analytics(fake_app)
    killed_at = timezone.now()

    killed = SyncRun.objects.get()
    assert killed.status == SyncRun.Status.RUNNING
    lease_until = KinstaAccount.objects.get(pk=account.pk).sync_lease_until
    assert killed_at < lease_until <= killed_at + timedelta(seconds=60)
    assert run_sync(account=account).status == SyncRun.Status.SKIPPED

    class AMinuteLater:
        """django.utils.timezone for the sync, 61 seconds on: the next sync, started a minute later."""

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(timezone, name)

        def now(self):  # type: ignore[no-untyped-def]
            return timezone.now() + timedelta(seconds=61)

    monkeypatch.setattr(run_module, "timezone", AMinuteLater())
    healed = run_sync(account=account)

    assert healed.status == SyncRun.Status.SUCCESS, healed.errors
    assert {(*key, value) for key, value in stored_points().items()} == expected_points(agency, days=60)
    killed.refresh_from_db()
    assert killed.status == SyncRun.Status.FAILED
    assert "stopped without finishing" in killed.errors[-1]["message"]
