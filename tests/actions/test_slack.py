"""The Slack command over HTTP: signature good / bad / stale, unlinked and unpermitted users refused,
`status`, and a cache clear whose end is posted to the response_url (a loopback server standing in for Slack)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from dashboard.actions.models import ActionRun, SlackUser
from dashboard.actions.slack import end_message, signature_for, verify_signature
from dashboard.actions.tasks import follow_run, report_to_slack
from tests.actions.test_updates import updatable
from tests.personas import grant

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
URL = "/integrations/slack/commands"


@pytest.fixture
def slack_settings(settings):
    settings.SLACK_SIGNING_SECRET = SECRET
    return settings


@pytest.fixture
def linked(slack_settings, staff_user):
    user = grant(staff_user, "actions.run_action")
    SlackUser.objects.create(slack_user_id="U0LINKED", team_id="T0AGENCY", user=user)
    return user


def command(http, text: str, *, user_id="U0LINKED", secret=SECRET, age=0, signature=None, **extra):  # type: ignore[no-untyped-def]
    body = urlencode({"team_id": "T0AGENCY", "user_id": user_id, "command": "/kinsta", "text": text, **extra}).encode()
    timestamp = str(int(time.time()) - age)
    headers = {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": signature or signature_for(secret, timestamp, body),
    }
    return http.post(URL, data=body, content_type="application/x-www-form-urlencoded", **headers)


def test_slacks_documented_example_signature_verifies() -> None:
    # The worked example of https://api.slack.com/authentication/verifying-requests-from-slack
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
        b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
        b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert verify_signature(secret=SECRET, timestamp="1531420618", body=body, signature=expected, now=1531420618 + 10)
    assert not verify_signature(
        secret=SECRET, timestamp="1531420618", body=body, signature=expected, now=1531420618 + 301
    )


def test_a_good_signature_is_answered(client, linked) -> None:
    response = command(client, "help")
    assert response.status_code == 200
    assert response.json()["text"].startswith("Usage: `/kinsta status SITE`")


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "tampered signature", "stale", "missing headers"],
)
def test_bad_and_stale_signatures_are_refused(client, linked, live_site, how) -> None:
    if how == "wrong secret":
        response = command(client, f"clear-cache {live_site.name}", secret="another-secret")
    elif how == "tampered signature":
        response = command(client, f"clear-cache {live_site.name}", signature="v0=" + "0" * 64)
    elif how == "stale":
        response = command(client, f"clear-cache {live_site.name}", age=6 * 60)
    else:
        response = client.post(URL, data="text=help", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401
    assert ActionRun.objects.count() == 0


def test_without_a_signing_secret_the_command_is_not_there(client, settings, db) -> None:
    settings.SLACK_SIGNING_SECRET = ""
    assert command(client, "help", secret="").status_code == 404


def test_an_unlinked_slack_user_is_refused(client, linked, live_site) -> None:
    response = command(client, f"clear-cache {live_site.name}", user_id="U0STRANGER")
    assert response.status_code == 200
    assert "not linked to a staff user" in response.json()["text"]
    assert ActionRun.objects.count() == 0
    assert "not linked" in command(client, f"status {live_site.name}", user_id="U0STRANGER").json()["text"]


def test_a_linked_user_without_the_permission_may_see_status_but_not_act(
    client, slack_settings, staff_viewer, live_site
):
    SlackUser.objects.create(slack_user_id="U0VIEWER", user=staff_viewer)
    refused = command(client, f"restart-php {live_site.name}", user_id="U0VIEWER").json()["text"]
    assert "may not run site actions" in refused and ActionRun.objects.count() == 0
    status = command(client, f"status {live_site.name}", user_id="U0VIEWER").json()["text"]
    assert live_site.name in status and "PHP " in status and "Last sync: " in status


def test_status_lists_environments_with_php_and_wordpress(client, linked, live_site) -> None:
    text = command(client, f"status {live_site.kinsta_id}").json()["text"]
    for env in live_site.environments.all():
        assert f"• {env.name}: " in text and f"PHP {env.php_version}" in text
    assert "Last manual backup from here: none" in text


def test_an_unknown_site_is_refused(client, linked, synced) -> None:
    assert "Refused: No site 'nope'" in command(client, "clear-cache nope").json()["text"]


class _Slack(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Slack.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def fake_slack(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Slack.received = []
    prefix = f"http://127.0.0.1:{server.server_port}/commands/"
    settings.SLACK_RESPONSE_URL_PREFIX = prefix
    yield prefix
    server.shutdown()
    server.server_close()


def test_a_cache_clear_answers_at_once_and_reports_its_end(client, linked, live_site, fake_slack, task_queue):
    response_url = fake_slack + "T0AGENCY/1/abc"
    response = command(client, f"clear-cache {live_site.name}", response_url=response_url)

    assert response.status_code == 200 and response.json()["text"].startswith("Started: Clear the site cache on ")
    run = ActionRun.objects.get()
    assert (run.source, run.slack_user_id, run.requested_by, run.slack_response_url) == (
        "slack",
        "U0LINKED",
        linked,
        response_url,
    )
    assert [t["func"] for t in task_queue()] == ["dashboard.actions.tasks.follow_run"]

    assert follow_run(run.pk) == ActionRun.State.DONE
    assert [t["func"] for t in task_queue()] == ["dashboard.actions.tasks.report_to_slack"]
    assert report_to_slack(run.pk) == 200
    assert _Slack.received[-1]["text"].startswith("Clear the site cache on ")
    assert ": done (Successfully finished request)" in _Slack.received[-1]["text"]


def test_a_response_url_that_is_not_slacks_is_never_posted_to(client, linked, live_site, fake_slack, task_queue):
    command(client, f"clear-cache {live_site.name}", response_url="http://169.254.169.254/latest/meta-data")
    run = ActionRun.objects.get()
    assert run.slack_response_url == ""
    task_queue()
    follow_run(run.pk)
    assert task_queue() == [] and _Slack.received == []


def test_status_says_no_data_for_the_last_backup_before_a_sync_read_the_backups(client, linked, live_site) -> None:
    text = command(client, f"status {live_site.name}").json()["text"]
    assert "Last backup: No data" in text


def test_status_shows_the_latest_backup_the_sync_mirrored(client, linked, live_site) -> None:
    from kinsta_sync.models import Backup
    from kinsta_sync.sync import run_sync
    from kinsta_sync.sync.run import STEP_SITES, STEP_VALIDATE, STEP_WORDPRESS

    run_sync(account=live_site.account, steps=(STEP_VALIDATE, STEP_SITES, STEP_WORDPRESS))
    latest = Backup.objects.filter(environment__site=live_site).select_related("environment").first()
    assert latest is not None, "the fake lists backups for the site"

    text = command(client, f"status {live_site.name}").json()["text"]

    expected = f"Last backup: {latest.created_at:%Y-%m-%d %H:%M} UTC ({latest.type}, {latest.environment.name})"
    assert expected in text


# --- /kinsta update-plugin and update-theme: the same service as the site page's "Update" button ----------


def fake_version(fake_app, item) -> str:  # type: ignore[no-untyped-def]
    """The version the fake Kinsta has installed now."""
    installed = fake_app.agency.wordpress(item.environment.kinsta_id).items(item.kind)
    return next(i.version for i in installed if i.name == item.name)


@pytest.mark.parametrize("kind", ["plugin", "theme"])
def test_an_update_from_slack_runs_on_kinsta_and_reports_its_end(
    client, linked, maintained, fake_app, fake_slack, task_queue, kind
):
    item = updatable(kind)
    site, target = item.environment.site, item.update_version
    response_url = fake_slack + "T0AGENCY/2/upd"

    response = command(client, f"update-{kind} {site.name} {item.name}", response_url=response_url)

    text = response.json()["text"]
    assert text.startswith(f"Started: Update a {kind} {item.title or item.name} → {target} on "), text
    run = ActionRun.objects.get()
    assert (run.action, run.item_name, run.item_version, run.environment) == (
        f"update-{kind}",
        item.name,
        target,
        item.environment,
    )
    assert (run.source, run.requested_by, run.slack_response_url) == ("slack", linked, response_url)
    assert [t["func"] for t in task_queue()] == ["dashboard.actions.tasks.follow_run"]

    assert follow_run(run.pk) == ActionRun.State.DONE
    assert fake_version(fake_app, item) == target
    assert report_to_slack(run.pk) == 200
    assert _Slack.received[-1]["text"].startswith(f"Update a {kind} {item.title or item.name} → {target} on ")
    assert ": done" in _Slack.received[-1]["text"]


def test_an_update_may_name_the_title_and_the_environment(client, linked, maintained, task_queue):
    from kinsta_sync.models import InstalledItem

    item = (
        InstalledItem.objects.filter(kind="plugin", title__contains=" ", removed_at__isnull=True)
        .exclude(update_version="")
        .select_related("environment__site")
        .order_by("-environment__is_live", "pk")
        .first()
    )
    assert item is not None, "the fake has a plugin with a title of several words and an update"
    site, env = item.environment.site, item.environment

    text = command(client, f"update-plugin {site.kinsta_id} {item.title.upper()} {env.name}").json()["text"]

    assert text.startswith("Started: "), text
    run = ActionRun.objects.get()
    assert (run.item_name, run.environment) == (item.name, env)


@pytest.mark.parametrize(
    ("words", "answer"),
    [
        ("no-such-plugin", "Refused: No plugin 'no-such-plugin' on live (as of the last sync)."),
        ("", "Refused: Which plugin? Give its slug or title"),
    ],
)
def test_an_unknown_plugin_starts_nothing(client, linked, maintained, fake_app, words, answer):
    site = updatable("plugin").environment.site

    text = command(client, f"update-plugin {site.name} {words}").json()["text"]

    assert text.startswith(answer), text
    assert "\n" not in text
    assert not ActionRun.objects.exists() and not fake_app.operations


def test_a_plugin_without_an_update_starts_nothing(client, linked, maintained, fake_app):
    from kinsta_sync.models import InstalledItem

    item = (
        InstalledItem.objects.filter(kind="plugin", environment__is_live=True, update_version="")
        .select_related("environment__site")
        .first()
    )

    text = command(client, f"update-plugin {item.environment.site.name} {item.name}").json()["text"]

    assert text == f"Refused: The plugin '{item.name}' has no update available (as of the last sync)."
    assert not ActionRun.objects.exists() and not fake_app.operations


def test_an_update_needs_the_permission(client, slack_settings, staff_viewer, maintained, fake_app):
    SlackUser.objects.create(slack_user_id="U0VIEWER", user=staff_viewer)
    item = updatable("plugin")

    text = command(client, f"update-plugin {item.environment.site.name} {item.name}", user_id="U0VIEWER").json()

    assert "may not run site actions" in text["text"]
    assert not ActionRun.objects.exists() and not fake_app.operations


def test_another_agencys_site_and_an_unknown_site_are_refused(client, linked, maintained, fake_app):
    from kinsta_sync.fake.data import AgencySpec, FakeAgency

    elsewhere = FakeAgency.generate(AgencySpec(seed=97, sites=1, days=3, users=1, activity_events=1))
    other_site = elsewhere.active_sites()[0].id  # a site of another Kinsta company: never mirrored here

    for site in (other_site, "no-such-site"):
        text = command(client, f"update-plugin {site} woocommerce").json()["text"]
        assert text == f"Refused: No site '{site}' (a Kinsta site id or site name).", text
    assert not ActionRun.objects.exists() and not fake_app.operations


def test_kinsta_text_in_an_update_answer_is_escaped(client, linked, maintained, task_queue):
    from kinsta_sync.fake.gen_wordpress import HOSTILE_PLUGIN_TITLE

    item = updatable("plugin")
    item.title = HOSTILE_PLUGIN_TITLE  # a title only a hostile plugin author would pick, as a sync mirrors it
    item.save(update_fields=["title"])

    text = command(client, f"update-plugin {item.environment.site.name} {item.name}").json()["text"]

    assert "<script" not in text and "&lt;script&gt;" in text, text
    run = ActionRun.objects.get()
    assert "<script" not in end_message(run)["text"]


def test_the_words_typed_are_escaped_in_a_refusal(client, linked, maintained):
    site = updatable("plugin").environment.site

    text = command(client, f"update-plugin {site.name} <!channel>&x").json()["text"]

    assert "<!channel>" not in text and "No plugin '&lt;!channel&gt;&amp;x'" in text
