"""Updating a plugin or theme as a site action, over real HTTP against the fake Kinsta: the update runs to
done, the next sync's maintenance step sees the new version and records one UpdateEvent; refusals (exit 2);
the work done reads "WooCommerce updated to 8.9.3"."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import escape

from dashboard.actions.models import ActionRun
from kinsta_sync.models import InstalledItem, UpdateEvent
from tests.actions.test_views import selected_environment
from tests.factories import assign

pytestmark = pytest.mark.django_db(transaction=False)


def site_action(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("site_action", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def sync_wordpress(account) -> None:
    from kinsta_sync.sync import run_sync
    from kinsta_sync.sync.run import STEP_SITES, STEP_VALIDATE, STEP_WORDPRESS

    run_sync(account=account, steps=(STEP_VALIDATE, STEP_SITES, STEP_WORDPRESS))


def updatable(kind: str) -> InstalledItem:
    item = (
        InstalledItem.objects.filter(kind=kind, environment__is_live=True, removed_at__isnull=True)
        .exclude(update_version="")
        .select_related("environment__site")
        .order_by("pk")
        .first()
    )
    assert item is not None, f"the fake agency has a {kind} with an update"
    return item


@pytest.mark.parametrize("kind", ["plugin", "theme"])
def test_an_update_runs_to_done_and_the_next_sync_sees_the_new_version(maintained, fake_app, kind) -> None:
    item = updatable(kind)
    site, before, target = item.environment.site, item.version, item.update_version
    assert not UpdateEvent.objects.filter(environment=item.environment, name=item.name).exists()

    code, out = site_action(f"update-{kind}", "--site", site.name, "--name", item.name)

    assert code == 0, out
    run = ActionRun.objects.get()
    assert run.state == ActionRun.State.DONE
    assert (run.item_name, run.item_version) == (item.name, target)
    assert run.operation_id.startswith(f"wp-{kind}:update-")
    assert fake_app.operations[run.operation_id].environment_id == item.environment.kinsta_id

    sync_wordpress(maintained)

    item.refresh_from_db()
    assert item.version == target and item.update_version == ""
    event = UpdateEvent.objects.get(environment=item.environment, kind=kind, name=item.name)
    assert (event.from_version, event.to_version) == (before, target)


def test_the_work_done_says_what_was_updated_to_which_version(maintained, client, client_a, client_a_user) -> None:
    item = updatable("plugin")
    site = item.environment.site
    assign([site], client_a)

    code, out = site_action(
        "update-plugin", "--site", site.kinsta_id, "--name", item.name, "--version", item.update_version
    )

    assert code == 0, out
    client.force_login(client_a_user)
    report = client.get("/clients/acme/?period=this_month").content.decode()
    assert f"{escape(item.title or item.name)} updated to {item.update_version} on " in report


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "no-such-plugin"], "No plugin 'no-such-plugin'"),
        ([], "Give its name"),
        (["--name", "{name}", "--version", "0.0.1"], "not to 0.0.1"),
    ],
)
def test_refused_updates_exit_2_and_send_nothing(maintained, fake_app, args, message) -> None:
    item = updatable("plugin")
    args = [arg.format(name=item.name) for arg in args]

    code, out = site_action("update-plugin", "--site", item.environment.site.name, *args)

    assert code == 2, out
    assert message in out
    assert not ActionRun.objects.exists()
    assert not fake_app.operations


def test_a_plugin_without_an_update_is_refused(maintained, fake_app) -> None:
    item = (
        InstalledItem.objects.filter(kind="plugin", environment__is_live=True, update_version="")
        .select_related("environment__site")
        .first()
    )

    code, out = site_action("update-plugin", "--site", item.environment.site.name, "--name", item.name)

    assert code == 2, out
    assert "has no update available" in out
    assert not fake_app.operations


# --- the site page's way in: the maintenance section's "Update" button ------------------------------------

PERM = "actions.run_action"


def update_url(client, item) -> str:  # type: ignore[no-untyped-def]
    site = item.environment.site
    return f"/clients/{client.slug}/sites/{site.pk}/actions/update-{item.kind}/?name={item.name}"


def test_staff_with_the_permission_update_a_plugin_from_the_site_page(
    maintained, client, staff_user, client_a, task_queue
) -> None:
    from dashboard.actions.tasks import follow_run
    from tests.personas import grant

    runner = grant(staff_user, PERM)
    item = updatable("plugin")
    site = item.environment.site
    assign([site], client_a)
    client.force_login(runner)

    page = client.get(f"/clients/acme/sites/{site.pk}/").content.decode()
    row_url = update_url(client_a, item) + f"&environment={item.environment_id}"  # the row's environment
    assert escape(row_url) in page

    confirm = client.get(row_url)
    assert confirm.status_code == 200
    assert f"from {item.version} to {item.update_version}" in confirm.content.decode()
    assert selected_environment(confirm.content.decode()) == str(item.environment_id)

    env = item.environment
    response = client.post(update_url(client_a, item), {"environment": str(env.pk), "name": item.name})
    run = ActionRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/actions/runs/{run.pk}/"
    assert (run.action, run.item_name, run.item_version) == ("update-plugin", item.name, item.update_version)
    assert run.requested_by == runner and run.source == ActionRun.Source.WEB
    assert follow_run(run.pk) == ActionRun.State.DONE
    assert (
        f"{escape(item.title or item.name)} → {item.update_version}"
        in client.get(f"/actions/runs/{run.pk}/").content.decode()
    )
    # The site's latest runs (the actions panel) and the client's runs page say which plugin, to which version.
    assert (
        f"{escape(item.title or item.name)} → {item.update_version}"
        in client.get("/clients/acme/actions/").content.decode()
    )

    sync_wordpress(maintained)
    assert UpdateEvent.objects.filter(environment=env, name=item.name, to_version=run.item_version).count() == 1
    # Updated: no button any more; the panel lists the run.
    page = client.get(f"/clients/acme/sites/{site.pk}/").content.decode()
    assert escape(update_url(client_a, item)) not in page
    assert f"{escape(item.title or item.name)} → {item.update_version}" in page


def test_the_update_button_is_for_staff_with_the_permission_only(
    maintained, client, staff_user, client_a, client_a_user
) -> None:
    item = updatable("plugin")
    site = item.environment.site
    assign([site], client_a)
    url = update_url(client_a, item)

    client.force_login(staff_user)  # staff without the permission
    assert escape(url) not in client.get(f"/clients/acme/sites/{site.pk}/").content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url, {"environment": str(item.environment.pk), "name": item.name}).status_code == 403

    client.force_login(client_a_user)
    assert escape(url) not in client.get(f"/clients/acme/sites/{site.pk}/").content.decode()
    assert client.get(url).status_code == 404
    assert not ActionRun.objects.exists()


def test_another_clients_site_and_an_unknown_plugin_are_404(maintained, client, staff_user, client_a, client_b) -> None:
    from tests.personas import grant

    runner = grant(staff_user, PERM)
    item = updatable("plugin")
    assign([item.environment.site], client_a)
    client.force_login(runner)

    assert client.get(update_url(client_b, item)).status_code == 404  # the site is Acme's, not Globex's
    unknown = update_url(client_a, item).replace(f"name={item.name}", "name=no-such-plugin")
    assert client.get(unknown).status_code == 404
    env = item.environment
    assert client.post(update_url(client_b, item), {"environment": str(env.pk), "name": item.name}).status_code == 404
    assert not ActionRun.objects.exists()


def test_updates_are_neither_bulk_nor_scheduled_nor_a_panel_button(client, staff_user, client_a, db) -> None:
    from dashboard.actions.models import ActionSchedule
    from tests.personas import grant

    client.force_login(grant(staff_user, PERM))
    assert client.get(f"/clients/{client_a.slug}/actions/update-plugin/").status_code == 404
    choices = {value for value, _ in ActionSchedule._meta.get_field("action").choices}
    assert "update-plugin" not in choices and "clear-cache" in choices
    report = client.get(f"/clients/{client_a.slug}/").content.decode()
    assert f"/clients/{client_a.slug}/actions/clear-cache/" in report
    assert "/actions/update-plugin/" not in report and "/actions/update-theme/" not in report


def test_a_failed_update_installs_nothing(maintained, fake_app) -> None:
    item = updatable("plugin")
    fake_app.faults.add("operation_fails", path=f"/sites/environments/{item.environment.kinsta_id}/plugins")

    code, out = site_action("update-plugin", "--site", item.environment.site.name, "--name", item.name)

    assert code == 1, out
    assert ActionRun.objects.get().state == ActionRun.State.FAILED
    before = item.version
    sync_wordpress(maintained)
    item.refresh_from_db()
    assert item.version == before and item.update_version
    assert not UpdateEvent.objects.filter(environment=item.environment, name=item.name).exists()
