"""Usage alerts: each threshold of the plan or a client's quota e-mailed to staff once per scope and month."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django_q.models import Schedule

from dashboard.usage.alerts import check_usage_alerts
from dashboard.usage.models import ClientQuota, Plan, UsageAlert
from dashboard.usage.schedules import USAGE_ALERTS_SCHEDULE, ensure_schedules
from kinsta_sync.figures import CDN_BANDWIDTH, VISITS
from tests.factories import add_points, assign, make_account, make_client, make_site, make_user

TODAY = date(2026, 11, 21)  # data through the 20th


def _world(*, included_visits: int = 10_000) -> dict:
    account = make_account(name="Agency\nBcc: evil@example.com")
    Plan.objects.create(
        account=account, monthly_price=Decimal("10"), included_visits=included_visits, included_cdn_gb=100,
        included_disk_gb=100,
    )  # fmt: skip
    acme = make_client("Acme")
    ClientQuota.objects.create(client=acme, visits=1_000)
    site = make_site(account, name="acme-site")
    assign([site], acme)
    other = make_site(account, name="other-site")
    days = [date(2026, 9, 1) + timedelta(days=i) for i in range((TODAY - date(2026, 9, 1)).days)]
    add_points(site.live, metric=VISITS, days=dict.fromkeys(days, 40))  # 800 by the 20th, ~1,200 projected
    add_points(other.live, metric=VISITS, days=dict.fromkeys(days, 210))  # company: 5,000 so far, ~7,500 projected
    add_points(site.live, metric=CDN_BANDWIDTH, days=dict.fromkeys(days, 1))
    make_user("boss", password="pw-staff-123!", is_staff=True, email="boss@agency.example")
    nomail = make_user("nomail", password="pw-staff-123!", is_staff=True)
    nomail.email = ""
    nomail.save(update_fields=["email"])
    make_user("gone", password="pw-staff-123!", is_staff=True, is_active=False)
    make_user("client", password="pw-client-123!", email="client@client.example")
    return {"account": account, "acme": acme}


@pytest.mark.django_db
def test_each_threshold_is_sent_once_per_scope_and_month():
    world = _world()
    summary = check_usage_alerts(today=TODAY)
    alerts = {(a.scope_key, a.metric, a.threshold) for a in UsageAlert.objects.all()}
    acme = f"client:{world['acme'].pk}"
    # The company: 5,000 of 10,000 actual (50 %), ~7,500 projected (75 %); not 90 %.
    # Acme: 800 of its 1,000 quota actual (75 %), ~1,200 projected: 90 % and 100 % too.
    assert alerts == {
        ("company", VISITS, 50), ("company", VISITS, 75),
        (acme, VISITS, 50), (acme, VISITS, 75), (acme, VISITS, 90), (acme, VISITS, 100),
    }  # fmt: skip
    assert summary == {"new": 6, "sent": 6, "failed": 0, "slack_posted": 0, "slack_failed": 0}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@agency.example"]
    assert "\n" not in message.subject and "up to 100 %" in message.subject
    assert "Acme's quota: visits reached 100 %" in message.body
    assert "the plan: visits reached 75 %" in message.body
    assert all(a.sent_at is not None for a in UsageAlert.objects.all())
    # The next hour, and the next day: nothing again.
    assert check_usage_alerts(today=TODAY) == {"new": 0, "sent": 0, "failed": 0, "slack_posted": 0, "slack_failed": 0}
    assert check_usage_alerts(today=TODAY + timedelta(days=1))["new"] == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_send_is_kept_and_retried_later_exactly_once(settings):
    _world()
    # A mail server that refuses the connection (a closed port on this machine).
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with time_machine.travel("2026-11-21 08:00Z", tick=False):
        assert check_usage_alerts(today=TODAY) == {
            "new": 6,
            "sent": 0,
            "failed": 6,
            "slack_posted": 0,
            "slack_failed": 0,
        }
    assert all(a.sent_at is None and a.last_error for a in UsageAlert.objects.all())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel("2026-11-21 08:10Z", tick=False):
        # Too soon: a worker may still be sending these.
        assert check_usage_alerts(today=TODAY) == {
            "new": 0,
            "sent": 0,
            "failed": 0,
            "slack_posted": 0,
            "slack_failed": 0,
        }
    with time_machine.travel("2026-11-21 09:00Z", tick=False):
        assert check_usage_alerts(today=TODAY) == {
            "new": 0,
            "sent": 6,
            "failed": 0,
            "slack_posted": 0,
            "slack_failed": 0,
        }
        assert check_usage_alerts(today=TODAY)["sent"] == 0
    assert len(mail.outbox) == 1
    assert {a.attempts for a in UsageAlert.objects.all()} == {2}


@pytest.mark.django_db
def test_without_a_limit_there_is_no_alert_and_a_new_month_starts_again():
    world = _world(included_visits=10**9)
    ClientQuota.objects.filter(client=world["acme"]).update(visits=None)
    assert check_usage_alerts(today=TODAY)["new"] == 0
    ClientQuota.objects.filter(client=world["acme"]).update(visits=1_000)
    assert check_usage_alerts(today=TODAY)["new"] == 4
    # December: the quota's month begins anew (projected from November's pace, 40 a day: 1,240 -> 100 %).
    assert check_usage_alerts(today=date(2026, 12, 2))["new"] == 4
    assert UsageAlert.objects.filter(month_start=date(2026, 12, 1)).count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_alert_exactly_once(webhook):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("needs a file-based SQLite or PostgreSQL test database")
    _world()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work() -> None:
        try:
            barrier.wait()
            results.append(check_usage_alerts(today=TODAY))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(r["new"] for r in results) == 6
    assert UsageAlert.objects.count() == 6
    assert sum(len(m.body.splitlines()) - 4 for m in mail.outbox) == 6  # each alert line in exactly one e-mail
    # and in exactly one Slack post (a header line, then a line per alert)
    assert sum(len(body["text"].splitlines()) - 1 for body in webhook.bodies) == 6


@pytest.mark.django_db
def test_the_schedule_is_declared_once_and_its_task_runs_the_check():
    ensure_schedules()
    assert ensure_schedules() == []
    schedule = Schedule.objects.get(name=USAGE_ALERTS_SCHEDULE)
    assert schedule.func == "dashboard.usage.tasks.check_usage_alerts"
    assert schedule.schedule_type == Schedule.HOURLY
    from dashboard.usage.tasks import check_usage_alerts as task

    _world()
    with time_machine.travel("2026-11-21 10:00Z", tick=False):
        assert task() == "usage alerts: 6 new, 6 sent, 0 failed, 0 posted to Slack, 0 Slack failed"


# --- Slack: an incoming webhook over real HTTP -----------------------------------------------------------
class _Webhook:
    """A stand-in for Slack's incoming webhook on a free loopback port: records each JSON body, answers the
    status codes queued in `answers` (then 200)."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.answers: list[int] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                hook.bodies.append(json.loads(self.rfile.read(length)))
                status = hook.answers.pop(0) if hook.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"server_error")

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(settings):
    hook = _Webhook()
    settings.SLACK_ALERTS_WEBHOOK_URL = hook.url
    yield hook
    hook.stop()


@pytest.mark.django_db
def test_alerts_are_posted_to_the_slack_webhook_once(webhook):
    world = _world()
    summary = check_usage_alerts(today=TODAY)
    assert summary == {"new": 6, "sent": 6, "failed": 0, "slack_posted": 6, "slack_failed": 0}
    assert len(webhook.bodies) == 1
    body = webhook.bodies[0]
    assert set(body) == {"text"}
    text = body["text"]
    assert text.startswith("*Plan usage of Agency Bcc: evil@example.com*, billing month from 2026-11-01:")
    assert "Acme's quota: visits reached 100 %" in text
    assert "the plan: visits reached 75 %" in text
    assert len(text.splitlines()) == 1 + 6
    assert UsageAlert.objects.filter(slack_sent_at__isnull=False).count() == 6
    assert check_usage_alerts(today=TODAY + timedelta(days=1))["slack_posted"] == 0
    assert len(webhook.bodies) == 1 and len(mail.outbox) == 1
    assert world["acme"].name == "Acme"


@pytest.mark.django_db
def test_slack_text_is_escaped(webhook):
    world = _world()
    world["acme"].name = "A&B <!channel>"
    world["acme"].save()
    check_usage_alerts(today=TODAY)
    assert "A&amp;B &lt;!channel&gt;'s quota" in webhook.bodies[0]["text"]
    assert "<!channel>" not in webhook.bodies[0]["text"]


@pytest.mark.django_db
def test_a_failed_slack_post_is_retried_once_without_a_second_email(webhook, caplog):
    _world()
    webhook.answers = [500]
    with time_machine.travel("2026-11-21 08:00Z", tick=False):
        assert check_usage_alerts(today=TODAY) == {
            "new": 6, "sent": 6, "failed": 0, "slack_posted": 0, "slack_failed": 6,
        }  # fmt: skip
    assert {a.slack_last_error for a in UsageAlert.objects.all()} == {"the Slack webhook answered HTTP 500"}
    assert all(a.sent_at is not None and a.slack_sent_at is None for a in UsageAlert.objects.all())
    with time_machine.travel("2026-11-21 08:10Z", tick=False):
        assert check_usage_alerts(today=TODAY)["slack_posted"] == 0  # too soon
    with time_machine.travel("2026-11-21 09:00Z", tick=False):
        assert check_usage_alerts(today=TODAY) == {
            "new": 0, "sent": 0, "failed": 0, "slack_posted": 6, "slack_failed": 0,
        }  # fmt: skip
        assert check_usage_alerts(today=TODAY)["slack_posted"] == 0
    assert len(webhook.bodies) == 2  # the refused post and its one retry
    assert webhook.bodies[0] == webhook.bodies[1]
    assert len(mail.outbox) == 1  # the e-mail went out once, with the first run
    assert {(a.attempts, a.slack_attempts) for a in UsageAlert.objects.all()} == {(1, 2)}
    assert all(a.slack_last_error == "" for a in UsageAlert.objects.all())
    assert "secret-token" not in caplog.text


@pytest.mark.django_db
def test_a_failed_email_is_retried_without_posting_to_slack_again(webhook, settings):
    _world()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with time_machine.travel("2026-11-21 08:00Z", tick=False):
        assert check_usage_alerts(today=TODAY)["slack_posted"] == 6
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel("2026-11-21 09:00Z", tick=False):
        assert check_usage_alerts(today=TODAY) == {
            "new": 0, "sent": 6, "failed": 0, "slack_posted": 0, "slack_failed": 0,
        }  # fmt: skip
    assert len(webhook.bodies) == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_unreachable_webhook_keeps_its_url_out_of_logs_and_rows(settings, caplog):
    _world()
    # A closed port on this machine: httpx's ConnectError.
    settings.SLACK_ALERTS_WEBHOOK_URL = "http://127.0.0.1:9/services/T000/B000/secret-token"
    assert check_usage_alerts(today=TODAY)["slack_failed"] == 6
    assert {a.slack_last_error for a in UsageAlert.objects.all()} == {"ConnectError"}
    assert "secret-token" not in caplog.text
    assert "not posted to Slack" in caplog.text


@pytest.mark.django_db
def test_no_slack_post_without_the_setting(settings):
    hook = _Webhook()
    try:
        settings.SLACK_ALERTS_WEBHOOK_URL = ""
        _world()
        with time_machine.travel("2026-11-21 08:00Z", tick=False):
            assert check_usage_alerts(today=TODAY)["slack_posted"] == 0
        # Configured later: the alerts made without it are not posted afterwards.
        settings.SLACK_ALERTS_WEBHOOK_URL = hook.url
        with time_machine.travel("2026-11-21 09:00Z", tick=False):
            assert check_usage_alerts(today=TODAY)["slack_posted"] == 0
        assert hook.bodies == []
        assert {a.slack_attempts for a in UsageAlert.objects.all()} == {0}
    finally:
        hook.stop()


@pytest.mark.django_db
def test_the_alert_email_and_slack_post_are_in_the_staffs_language(webhook, settings):
    settings.LANGUAGE_CODE = "de"
    _world()
    check_usage_alerts(today=TODAY)
    message = mail.outbox[0]
    assert message.subject.startswith("Tarifnutzung von Agency Bcc: evil@example.com: 6 Schwellen erreicht")
    assert message.subject.endswith("bis 100 %")
    assert message.body.startswith("Kinsta-Konto Agency Bcc: evil@example.com, Abrechnungsmonat ab 2026-11-01:")
    assert "- Kontingent von Acme: Besuche bei 100 % (bisher 800," in message.body
    assert "- Tarif: Besuche bei 75 % (bisher 5.000, zum Monatsende erwartet 7." in message.body
    assert "Grenze 10.000)" in message.body
    assert "Jede Schwelle wird einmal pro Monat gemeldet" in message.body
    assert "reached" not in message.body + message.subject
    text = webhook.bodies[0]["text"]
    assert text.startswith("*Tarifnutzung von Agency Bcc: evil@example.com*, Abrechnungsmonat ab 2026-11-01:")
    assert "Kontingent von Acme: Besuche bei 100 %" in text


@pytest.mark.django_db
def test_the_english_email_groups_thousands_and_names_one_threshold_in_the_singular():
    _world(included_visits=10**9)
    ClientQuota.objects.update(visits=2_000)  # 800 of 2,000 actual, ~1,200 projected: 50 % only
    check_usage_alerts(today=TODAY)
    message = mail.outbox[0]
    assert "1 threshold reached, up to 50 %" in message.subject
    assert "Acme's quota: visits reached 50 % (actual 800, projected for the month's end 1," in message.body
    assert "limit 2,000)" in message.body


def test_the_webhooks_url_is_hidden_from_logs_and_error_reports(settings):
    from django.views.debug import get_default_exception_reporter_filter

    from dashboard.log_redaction import redact

    line = 'POST https://hooks.slack.com/services/T000/B000/XXXXsecret "HTTP/1.1 500"'
    assert redact(line) == 'POST https://hooks.slack.com/services/[token] "HTTP/1.1 500"'
    settings.SLACK_ALERTS_WEBHOOK_URL = "https://hooks.slack.com/services/T000/B000/XXXXsecret"
    get_default_exception_reporter_filter.cache_clear()
    try:
        shown = get_default_exception_reporter_filter().get_safe_settings()
    finally:
        get_default_exception_reporter_filter.cache_clear()
    assert "XXXXsecret" not in str(shown["SLACK_ALERTS_WEBHOOK_URL"])
    assert shown["SLACK_ALERTS_WEBHOOK_URL"] == "********************"
    assert shown["LANGUAGE_CODE"] == settings.LANGUAGE_CODE  # the others are still shown
