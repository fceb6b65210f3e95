"""kinsta_sync.sync.wordpress over real HTTP against the fake: plugins, themes and backups equal the fake,
version changes become one update event each, removed plugins are marked, a failing environment heals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kinsta_sync.models import Backup, Environment, InstalledItem, SyncRun, UpdateEvent
from kinsta_sync.sync import DAILY_STEPS, STEP_WORDPRESS, run_sync

pytestmark = pytest.mark.django_db

STEPS = ("sites", STEP_WORDPRESS)


def fake_installed(agency, *, legacy: bool = False) -> set[tuple]:
    rows = set()
    for site in agency.active_sites():
        for env in site.environments:
            wordpress = agency.wordpress(env.id)
            for kind in ("plugin", "theme"):
                for item in wordpress.items(kind):
                    vulnerable = None if legacy else item.is_version_vulnerable
                    update_vulnerable = None if legacy or kind == "theme" else item.is_update_version_vulnerable
                    rows.add((env.id, kind, item.name, item.title, item.version, item.update_version or "",
                              vulnerable, update_vulnerable, item.status))  # fmt: skip
    return rows


def stored_installed() -> set[tuple]:
    return set(
        InstalledItem.objects.filter(removed_at__isnull=True).values_list(
            "environment__kinsta_id", "kind", "name", "title", "version", "update_version",
            "is_version_vulnerable", "is_update_version_vulnerable", "status",
        )
    )  # fmt: skip


def fake_backups(agency) -> set[tuple]:
    return {
        (env.id, b.id, b.type, b.note or "", datetime.fromtimestamp(b.created_at / 1000, tz=UTC))
        for site in agency.active_sites()
        for env in site.environments
        for b in agency.wordpress(env.id).backups
    }


def stored_backups() -> set[tuple]:
    return set(Backup.objects.values_list("environment__kinsta_id", "kinsta_id", "type", "note", "created_at"))


def test_a_sync_stores_what_the_fake_serves_in_three_requests_per_environment(account, agency, fake_app):
    run = run_sync(account=account, steps=STEPS)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert stored_installed() == fake_installed(agency)
    assert stored_backups() == fake_backups(agency)
    assert InstalledItem.objects.filter(is_version_vulnerable=True).exists()
    assert InstalledItem.objects.exclude(update_version="").exists()
    envs = Environment.objects.count()
    wordpress = [r for r in fake_app.stats.log if r.path.endswith(("plugins", "themes", "backups"))]
    assert len(wordpress) == 3 * envs
    assert not Environment.objects.filter(installed_synced_at__isnull=True).exists()
    assert not Environment.objects.filter(backups_synced_at__isnull=True).exists()


def test_the_daily_steps_read_plugins_and_a_second_sync_changes_nothing(account, agency):
    assert STEP_WORDPRESS in DAILY_STEPS
    run_sync(account=account, steps=DAILY_STEPS)
    before = (stored_installed(), stored_backups(), UpdateEvent.objects.count())

    run = run_sync(account=account, steps=DAILY_STEPS)

    assert (stored_installed(), stored_backups(), UpdateEvent.objects.count()) == before
    assert run.counts["installed_items"]["created"] == 0 and run.counts["installed_items"]["updated"] == 0
    assert run.counts["backups"]["created"] == 0


def test_an_update_between_two_syncs_is_one_update_event(account, agency):
    run_sync(account=account, steps=STEPS)
    env = agency.sites[0].live
    item = next(i for i in agency.wordpress(env.id).plugins if i.update_version)
    before, after = agency.apply_update(env.id, "plugin", item.name)

    run_sync(account=account, steps=STEPS)
    run_sync(account=account, steps=STEPS)  # seeing the new version again adds nothing

    events = list(
        UpdateEvent.objects.values_list("environment__kinsta_id", "kind", "name", "from_version", "to_version")
    )
    assert events == [(env.id, "plugin", item.name, before, after)]
    row = InstalledItem.objects.get(environment__kinsta_id=env.id, kind="plugin", name=item.name)
    assert (row.version, row.update_version) == (after, "")
    assert stored_installed() == fake_installed(agency)


def test_a_removed_plugin_is_marked_removed_and_comes_back_when_installed_again(account, agency):
    run_sync(account=account, steps=STEPS)
    env = agency.sites[0].live
    plugins = agency.wordpress(env.id).plugins
    gone = plugins[-1]
    agency.uninstall(env.id, "plugin", gone.name)

    run = run_sync(account=account, steps=STEPS)

    row = InstalledItem.objects.get(environment__kinsta_id=env.id, kind="plugin", name=gone.name)
    assert row.removed_at is not None
    assert run.counts["installed_items"]["removed"] == 1
    assert stored_installed() == fake_installed(agency)

    plugins.append(gone)
    run_sync(account=account, steps=STEPS)
    row.refresh_from_db()
    assert row.removed_at is None


def test_the_deprecated_paths_answer_when_the_current_ones_are_404(account, agency, fake_app):
    fake_app.legacy_wordpress_only = True

    run = run_sync(account=account, steps=STEPS)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    # Without flags in the deprecated shape, vulnerability is unknown (None), never False.
    assert stored_installed() == fake_installed(agency, legacy=True)
    assert not InstalledItem.objects.filter(is_version_vulnerable=False).exists()
    # Only the first environment asks the current plugin path; the rest go to the deprecated ones directly.
    current = [r for r in fake_app.stats.log if "/wp-" in r.path]
    assert len(current) == 1 and current[0].status == 404
    envs = Environment.objects.count()
    assert len([r for r in fake_app.stats.log if r.path.endswith(("plugins", "themes", "backups"))]) == 3 * envs + 1


def test_a_failing_environment_is_recorded_and_healed_by_the_next_run(account, agency, fake_app):
    run_sync(account=account, steps=("sites",))
    env = agency.sites[2].live
    fake_app.faults.add("500", path=f"/sites/environments/{env.id}/wp-plugins", times=10)
    fake_app.faults.add("500", path=f"/sites/environments/{env.id}/backups", times=10)

    run = run_sync(account=account, steps=STEPS)

    assert run.status == SyncRun.Status.PARTIAL
    assert {e["item"] for e in run.errors if e["step"] == STEP_WORDPRESS} == {env.id}
    assert not InstalledItem.objects.filter(environment__kinsta_id=env.id, kind="plugin").exists()
    # The themes arrived and are kept; the environment does not count as read.
    assert InstalledItem.objects.filter(environment__kinsta_id=env.id, kind="theme").exists()
    assert Environment.objects.get(kinsta_id=env.id).installed_synced_at is None
    others = {row for row in fake_installed(agency) if row[0] != env.id}
    assert {row for row in stored_installed() if row[0] != env.id} == others

    fake_app.faults.clear()
    healed = run_sync(account=account, steps=STEPS)

    assert healed.status == SyncRun.Status.SUCCESS
    assert stored_installed() == fake_installed(agency)
    assert stored_backups() == fake_backups(agency)


def test_an_environment_whose_backups_stopped_keeps_its_older_backups(account, agency):
    from kinsta_sync.fake.gen_wordpress import STOPPED_DAYS_AGO

    run_sync(account=account, steps=STEPS)
    stopped = agency.sites[3].live
    newest = Backup.objects.filter(environment__kinsta_id=stopped.id).order_by("-created_at").first()
    assert newest is not None
    age = datetime.now(UTC) - newest.created_at
    assert age.days >= STOPPED_DAYS_AGO - 1
    others = Backup.objects.exclude(environment__kinsta_id=stopped.id).order_by("-created_at").first()
    assert (datetime.now(UTC) - others.created_at).days < 2
