"""Settings, health check, login requirement, API-key encryption, accounts from the environment,
schedules and the kinsta_sync command."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django_q.models import Schedule

from kinsta_sync import crypto
from kinsta_sync.accounts import account_from_environment
from kinsta_sync.models import KinstaAccount, Site, SyncRun
from kinsta_sync.schedules import ensure_schedules
from kinsta_sync.sync import run_sync
from tests.conftest import FAKE_KEY

ROOT = Path(__file__).resolve().parent.parent


# The browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for this process; a deployment never has it.
NOT_INHERITED = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "REDIS_CACHE_URL")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


SETUP = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'dashboard.settings'); django.setup()"


class TestSettings:
    def test_production_mode_refuses_to_start_and_names_every_missing_variable(self):
        result = run_python(SETUP, DEBUG="false")

        assert result.returncode != 0
        assert "SECRET_KEY, ALLOWED_HOSTS" in result.stderr

    def test_production_mode_names_only_what_is_missing(self):
        result = run_python(SETUP, DEBUG="false", SECRET_KEY="x" * 50)

        assert result.returncode != 0
        assert "must be set: ALLOWED_HOSTS" in result.stderr

    def test_production_mode_starts_with_the_documented_variables(self):
        result = run_python(
            SETUP + "; from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)",
            DEBUG="false",
            SECRET_KEY="x" * 50,
            ALLOWED_HOSTS="reports.example.com",
        )

        assert result.returncode == 0, result.stderr
        assert "False ['reports.example.com']" in result.stdout

    def test_check_deploy_reports_no_warnings_with_the_documented_production_variables(self):
        environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        environment.update(
            DEBUG="false",
            SECRET_KEY="k" * 20 + "-long-random-production-secret-0123456789",
            ALLOWED_HOSTS="reports.example.com",
            BEHIND_HTTPS_PROXY="true",
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_redis_url_switches_the_django_q_broker(self):
        code = SETUP + "; from django.conf import settings as s; print(s.Q_CLUSTER.get('redis'), 'orm' in s.Q_CLUSTER)"
        redis_url = "redis://127.0.0.1:6379/3"
        assert "None True" in run_python(code, DEBUG="true").stdout
        assert f"{redis_url} False" in run_python(code, DEBUG="true", REDIS_URL=redis_url).stdout

    def test_the_cache_takes_the_next_redis_database_never_the_brokers(self):
        code = SETUP + "; from django.conf import settings as s; print(s.CACHES['default']['LOCATION'])"
        assert "redis://127.0.0.1:6379/4" in run_python(code, DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3").stdout
        explicit = run_python(code, DEBUG="true", REDIS_URL="redis://q:6379/0", REDIS_CACHE_URL="redis://c:6379/0")
        assert "redis://c:6379/0" in explicit.stdout
        for cache_url in ("redis://q:6379/0", "redis://q", "redis://:secret@q:6379/0?socket_timeout=5"):
            same = run_python(SETUP, DEBUG="true", REDIS_URL="redis://q:6379/0", REDIS_CACHE_URL=cache_url)
            assert same.returncode != 0, cache_url
            assert "clearing the cache would empty the task queue" in same.stderr

    @pytest.mark.parametrize(
        ("broker", "cache"),
        [
            ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
            ("rediss://:secret@redis.internal:6380/7", "rediss://:secret@redis.internal:6380/8"),
            ("redis://127.0.0.1:6379?db=2", "redis://127.0.0.1:6379?db=3"),
            ("unix:///run/redis.sock", "unix:///run/redis.sock?db=1"),
        ],
    )
    def test_redis_cache_url(self, broker, cache):
        from dashboard.settings import redis_cache_url

        assert redis_cache_url(broker) == cache

    def test_sqlite_runs_in_wal_mode_with_immediate_transactions(self, db):
        if connection.vendor != "sqlite":
            pytest.skip("SQLite only")
        options = connection.settings_dict["OPTIONS"]
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.django_db
class TestHealthz:
    def test_anonymous_callers_get_the_status_only(self, client, account):
        run_sync(account=account, steps=("validate",))
        response = client.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert account.company_id not in response.content.decode()

    def test_staff_get_the_age_of_the_last_successful_sync(self, client, account, staff_user):
        run_sync(account=account, steps=("validate",))
        client.force_login(staff_user)

        body = client.get("/healthz").json()

        assert body["status"] == "ok" and body["database"] == "ok"
        assert body["accounts"][0]["company_id"] == account.company_id
        assert 0 <= body["accounts"][0]["last_success_age_seconds"] < 60

    def test_a_monitor_with_the_configured_token_gets_the_details(self, client, account, settings):
        settings.HEALTHZ_TOKEN = "monitor-secret"
        run_sync(account=account, steps=("validate",))

        assert "accounts" in client.get("/healthz", headers={"Authorization": "Bearer monitor-secret"}).json()
        assert client.get("/healthz", headers={"Authorization": "Bearer wrong"}).json() == {"status": "ok"}
        settings.HEALTHZ_TOKEN = ""
        assert client.get("/healthz", headers={"Authorization": "Bearer "}).json() == {"status": "ok"}

    def test_plain_http_health_checks_are_not_redirected(self, client, settings):
        settings.SECURE_SSL_REDIRECT = True
        assert client.get("/healthz").status_code == 200
        assert client.get("/login/").status_code == 301


def _all_paths(resolver: URLResolver, prefix: str = "") -> list[str]:
    paths = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            paths += _all_paths(pattern, route)
        elif isinstance(pattern, URLPattern):
            paths.append(route)
    return paths


@pytest.mark.django_db
def test_every_page_but_login_and_healthz_needs_a_login(client):
    # The Slack command has no login: Slack's request signature instead (tests/actions/test_slack.py).
    public = {
        "login/",
        "healthz",
        "password-reset/",
        "password-reset/done/",
        "reset/done/",
        "integrations/slack/commands",
    }
    checked = 0
    for route in _all_paths(get_resolver()):
        if "<" in route or "(?P" in route or "^" in route or route.startswith("admin/") or route in public:
            continue
        response = client.get("/" + route)
        assert response.status_code == 302, route
        assert response.headers["Location"].startswith("/login/"), route
        checked += 1
    assert checked >= 1
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
class TestApiKeyAtRest:
    def test_the_database_never_holds_the_key_in_plain_text(self, account):
        with connection.cursor() as cursor:
            cursor.execute("SELECT api_key_encrypted, api_key_hint FROM kinsta_sync_kinstaaccount")
            encrypted, hint = cursor.fetchone()

        assert FAKE_KEY not in encrypted
        assert KinstaAccount.objects.get().get_api_key() == FAKE_KEY
        assert hint == FAKE_KEY[-4:]
        assert FAKE_KEY not in repr(account) and FAKE_KEY not in str(account)

    def test_a_key_can_be_rotated_to_a_new_encryption_key(self, account, settings):
        old_key = Fernet.generate_key().decode()
        settings.KINSTA_KEY_ENCRYPTION_KEYS = [old_key]
        account.set_api_key("secret-kinsta-key-1234")
        account.save()
        new_key = Fernet.generate_key().decode()
        settings.KINSTA_KEY_ENCRYPTION_KEYS = [new_key, old_key]

        account.api_key_encrypted = crypto.rotate(account.api_key_encrypted)
        account.save()
        settings.KINSTA_KEY_ENCRYPTION_KEYS = [new_key]

        assert KinstaAccount.objects.get().get_api_key() == "secret-kinsta-key-1234"

    def test_an_undecryptable_key_fails_the_run_with_a_clear_message(self, account, settings):
        settings.KINSTA_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

        run = run_sync(account=account)

        assert run.status == SyncRun.Status.FAILED
        assert "cannot be decrypted" in run.errors[0]["message"]

    def test_the_key_never_reaches_the_logs_of_a_failing_sync(self, account, fake_app, caplog):
        fake_app.faults.add("500", times=-1)
        caplog.set_level(logging.DEBUG)

        run = run_sync(account=account)

        assert run.status == SyncRun.Status.FAILED
        assert caplog.records
        assert all(FAKE_KEY not in record.getMessage() for record in caplog.records)
        assert FAKE_KEY not in str(run.errors)


@pytest.mark.django_db
class TestAccountFromEnvironment:
    def test_it_creates_and_then_updates_the_account(self, settings):
        settings.KINSTA_COMPANY_ID, settings.KINSTA_API_KEY = "company-1", "first-key-abcdef"
        settings.KINSTA_COMPANY_NAME = "Agency One"
        account = account_from_environment()
        assert (account.name, account.get_api_key()) == ("Agency One", "first-key-abcdef")

        settings.KINSTA_API_KEY = "second-key-abcdef"
        account_from_environment()

        assert KinstaAccount.objects.count() == 1
        assert KinstaAccount.objects.get().get_api_key() == "second-key-abcdef"

    def test_it_does_nothing_without_both_variables(self, settings):
        settings.KINSTA_COMPANY_ID, settings.KINSTA_API_KEY = "company-1", ""

        assert account_from_environment() is None
        assert not KinstaAccount.objects.exists()


@pytest.mark.django_db
def test_schedules_are_created_once_and_kept_idempotent():
    Schedule.objects.all().delete()

    assert ensure_schedules() == ["created kinsta-sync-hourly", "created kinsta-sync-daily"]
    assert ensure_schedules() == []
    Schedule.objects.filter(name="kinsta-sync-daily").update(func="something.else")
    assert ensure_schedules() == ["updated kinsta-sync-daily"]
    assert Schedule.objects.count() == 2
    hourly = Schedule.objects.get(name="kinsta-sync-hourly")
    assert (hourly.func, hourly.args, hourly.schedule_type) == (
        "kinsta_sync.tasks.sync_all_accounts",
        "'hourly'",
        Schedule.HOURLY,
    )


@pytest.mark.django_db
class TestSyncCommand:
    def run_command(self, *args: str) -> tuple[int, str]:
        out = io.StringIO()
        try:
            call_command("kinsta_sync", *args, stdout=out, stderr=out)
            code = 0
        except SystemExit as exc:
            code = int(exc.code)
        return code, out.getvalue()

    def test_it_syncs_and_exits_0_with_a_summary(self, account):
        code, output = self.run_command()

        assert code == 0, output
        assert "Success" in output
        assert "sites" in output and "created" in output
        assert Site.objects.exists()

    def test_it_exits_1_when_some_steps_failed(self, account, fake_app):
        fake_app.faults.add("500", path="/users", times=-1)

        code, output = self.run_command("--account", account.company_id)

        assert code == 1
        assert "users" in output and "500" in output

    def test_it_exits_2_when_nothing_could_be_synced(self, account, fake_app):
        fake_app.revoke_key()

        code, output = self.run_command()

        assert code == 2
        assert "Failed" in output
        assert FAKE_KEY not in output

    def test_it_exits_2_without_any_account(self, settings):
        settings.KINSTA_COMPANY_ID = settings.KINSTA_API_KEY = ""

        code, output = self.run_command()

        assert code == 2
        assert "No Kinsta account" in output


@pytest.mark.django_db
def test_every_page_with_client_data_is_private_and_carries_the_policy(client, staff_user, client_a, client_a_user):
    from dashboard.delivery.sharing import create_share_link, share_path
    from kinsta_sync.models import Site

    site = Site.objects.get(name="acme-shop")
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=staff_user)
    pages = {
        staff_user: ["/", "/clients/acme/", f"/clients/acme/sites/{site.pk}/", "/sync/", "/clients/acme/reports/"],
        client_a_user: ["/clients/acme/", "/clients/acme/reports/", "/clients/acme/report.csv"],
        None: [share_path(link), "/login/"],
    }
    for user, urls in pages.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            cache_control = response["Cache-Control"]
            assert "private" in cache_control and "no-store" in cache_control, (url, cache_control)
            assert "script-src 'self'" in response["Content-Security-Policy"], url
            assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url
