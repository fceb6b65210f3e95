"""The action service and `site_action` over real HTTP against the fake Kinsta: success, failure, the 404
grace, a killed worker's run resumed, refusals (exit status 2)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dashboard.actions import services
from dashboard.actions.management.commands.site_action import Command as SiteActionCommand
from dashboard.actions.models import ActionRun
from kinsta_sync.api.operations import start_action
from kinsta_sync.sync.run import client_for_account

pytestmark = pytest.mark.django_db(transaction=False)


def site_action(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("site_action", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_clear_cache_by_site_name_ends_done(live_site, fake_app) -> None:
    code, out = site_action("clear-cache", "--site", live_site.name)

    assert code == 0, out
    run = ActionRun.objects.get()
    assert run.state == ActionRun.State.DONE
    assert run.operation_id.startswith("cache:clear-") and f"operation {run.operation_id}" in out
    assert "done: Successfully finished request" in out
    assert run.source == ActionRun.Source.CLI and run.attempts == 1
    assert run.started_at <= run.finished_at and run.lease_until is None
    operation = fake_app.operations[run.operation_id]
    assert operation.environment_id == live_site.environments.get(name="live").kinsta_id
    # It went through 404, then 202, then 200: polled more than twice.
    assert operation.polls > 2


def test_an_armed_failure_ends_failed_with_exit_1(live_site, fake_app) -> None:
    fake_app.faults.add("operation_fails", path="/sites/tools/restart-php")

    code, out = site_action("restart-php", "--site", live_site.kinsta_id)

    assert code == 1, out
    run = ActionRun.objects.get()
    assert run.state == ActionRun.State.FAILED
    assert run.message == "Error occurred while processing your request"
    assert "failed: Error occurred" in out


def test_a_404_longer_than_the_grace_period_fails(live_site, fake_app, settings) -> None:
    fake_app.operation_unknown_seconds = 30.0
    settings.ACTIONS_NOT_FOUND_GRACE = 0.4

    code, out = site_action("clear-edge-cache", "--site", live_site.name)
    assert "failed" in out

    assert code == 1
    run = ActionRun.objects.get()
    assert run.state == ActionRun.State.FAILED and "still unknown (404)" in run.message


def test_a_404_within_the_grace_period_is_waited_out(live_site, fake_app, settings) -> None:
    fake_app.operation_unknown_seconds = 0.6
    settings.ACTIONS_NOT_FOUND_GRACE = 3.0

    code, _ = site_action("manual-backup", "--site", live_site.name)

    assert code == 0
    assert ActionRun.objects.get().state == ActionRun.State.DONE


def test_a_killed_workers_run_is_resumed_and_finished(live_site, fake_app) -> None:
    # A worker sent the write, stored the operation id and died mid-poll: its lease ran out.
    environment = live_site.environments.get(name="live")
    with client_for_account(live_site.account) as client:
        started = start_action(client, "clear-cache", environment_id=environment.kinsta_id)
    long_ago = timezone.now() - timedelta(minutes=2)
    run = ActionRun.objects.create(
        site=live_site,
        environment=environment,
        action="clear-cache",
        source=ActionRun.Source.WEB,
        state=ActionRun.State.RUNNING,
        operation_id=started.operation_id,
        started_at=timezone.now(),
        lease_until=long_ago,
        lease_token="dead-worker",
        attempts=1,
    )
    writes_before = len(fake_app.operations)

    resumed = services.resume_abandoned_runs()

    assert resumed == [run.pk]
    run.refresh_from_db()
    assert run.state == ActionRun.State.DONE and run.attempts == 2
    assert len(fake_app.operations) == writes_before, "the write was not sent again"
    assert fake_app.operations[started.operation_id].polls > 0


def test_a_run_with_a_live_lease_is_left_to_its_worker(live_site) -> None:
    environment = live_site.environments.get(name="live")
    run = ActionRun.objects.create(
        site=live_site,
        environment=environment,
        action="clear-cache",
        source=ActionRun.Source.WEB,
        state=ActionRun.State.RUNNING,
        operation_id="cache:clear-held",
        lease_until=timezone.now() + timedelta(seconds=50),
        lease_token="live-worker",
        attempts=1,
    )

    assert services.resume_abandoned_runs() == []
    assert services.run(run.pk).state == ActionRun.State.RUNNING
    run.refresh_from_db()
    assert run.lease_token == "live-worker" and run.attempts == 1


def test_a_worker_that_died_while_sending_is_not_repeated(live_site, fake_app) -> None:
    environment = live_site.environments.get(name="live")
    run = ActionRun.objects.create(
        site=live_site,
        environment=environment,
        action="restart-php",
        source=ActionRun.Source.WEB,
        state=ActionRun.State.RUNNING,
        started_at=timezone.now(),
        lease_until=timezone.now() - timedelta(seconds=1),
        attempts=1,
    )

    services.resume_abandoned_runs()

    run.refresh_from_db()
    assert run.state == ActionRun.State.FAILED and "not sent again" in run.message
    assert fake_app.operations == {}


def test_no_wait_starts_the_operation_and_queues_the_follow_up(live_site, fake_app, task_queue) -> None:
    code, out = site_action("clear-cache", "--site", live_site.name, "--no-wait")

    assert code == 0 and "started; a worker follows it" in out
    run = ActionRun.objects.get()
    assert run.state == ActionRun.State.RUNNING and run.operation_id in fake_app.operations
    queued = task_queue()
    assert [(t["func"], t["args"]) for t in queued] == [("dashboard.actions.tasks.follow_run", (run.pk,))]

    from dashboard.actions.tasks import follow_run

    assert follow_run(run.pk) == ActionRun.State.DONE


def test_clear_cdn_cache_reads_the_cdn_cache_id(live_site, fake_app, agency) -> None:
    env = next(e for e in agency.live_environments() if e.cdn_cache_id)
    code, out = site_action("clear-cdn-cache", "--site", env.site_id)

    assert code == 0, out
    assert ActionRun.objects.get().operation_id.startswith("cdn-cache:clear-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("clear-cache", "--site", "no-such-site"), "No site 'no-such-site'"),
        (("clear-cache", "--site", "  "), "No site given"),
        (("clear-cache", "--site", "{site}", "--environment", "preview"), "has no environment 'preview'"),
    ],
)
def test_refused_inputs_exit_2(live_site, fake_app, args, message) -> None:
    args = tuple(a.replace("{site}", live_site.name) for a in args)

    code, out = site_action(*args)

    assert code == 2 and message in out
    assert ActionRun.objects.count() == 0 and fake_app.operations == {}


def test_an_unknown_action_is_argparse_exit_2(live_site, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        SiteActionCommand().run_from_argv(["manage.py", "site_action", "delete-site", "--site", live_site.name])
    assert caught.value.code == 2
    assert "invalid choice: 'delete-site'" in capsys.readouterr().err


def test_a_revoked_key_is_refused_with_exit_2(live_site, fake_app) -> None:
    fake_app.revoke_key()

    code, out = site_action("clear-cache", "--site", live_site.name)

    assert code == 2 and "Kinsta refused the account's API key" in out
    assert ActionRun.objects.get().state == ActionRun.State.REFUSED


def test_an_unreadable_key_is_refused_with_exit_2(live_site) -> None:
    account = live_site.account
    account.api_key_encrypted = "not-a-fernet-token"
    account.save(update_fields=["api_key_encrypted"])

    code, out = site_action("clear-cache", "--site", live_site.name)

    assert code == 2 and "cannot be read" in out
    assert "test-kinsta-key" not in out


def test_an_inactive_account_is_refused(live_site) -> None:
    live_site.account.is_active = False
    live_site.account.save(update_fields=["is_active"])

    code, out = site_action("clear-cache", "--site", live_site.name)

    assert code == 2 and "inactive" in out


def test_migrate_puts_the_resume_and_schedule_tasks_in_place(db) -> None:
    from django_q.models import Schedule

    from dashboard.actions.schedules import ensure_schedules

    Schedule.objects.filter(name__startswith="actions-").delete()
    assert ensure_schedules() == ["created actions-resume-abandoned", "created actions-scheduled"]
    assert ensure_schedules() == []
    resume = Schedule.objects.get(name="actions-resume-abandoned")
    assert (resume.func, resume.minutes) == ("dashboard.actions.tasks.resume_abandoned_runs", 1)


@pytest.mark.django_db(transaction=True)
def test_two_workers_resuming_one_run_poll_it_once(live_site, fake_app, quick_actions):
    """Two resume workers at once, each with its own connection: one claims the lease, the other leaves it."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    environment = live_site.environments.get(name="live")
    with client_for_account(live_site.account) as client:
        started = start_action(client, "clear-cache", environment_id=environment.kinsta_id)
    run = ActionRun.objects.create(
        site=live_site,
        environment=environment,
        action="clear-cache",
        source=ActionRun.Source.WEB,
        state=ActionRun.State.RUNNING,
        operation_id=started.operation_id,
        started_at=timezone.now(),
        lease_until=timezone.now() - timedelta(minutes=1),
        attempts=1,
    )
    barrier = threading.Barrier(2)
    resumed: list[list[int]] = []

    def worker() -> None:
        try:
            barrier.wait()
            resumed.append(services.resume_abandoned_runs())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.refresh_from_db()
    assert run.state == ActionRun.State.DONE
    assert run.attempts == 2, "exactly one of the two workers claimed it"
    assert resumed and all(r == [run.pk] for r in resumed)
