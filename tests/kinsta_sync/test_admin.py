"""The mirror in the admin: masked keys, read-only rows, sync runs with their errors, "Sync now"."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from kinsta_sync import tasks
from kinsta_sync.models import ActivityLogEntry, AnalyticsPoint, Environment, KinstaAccount, Site, SyncRun
from kinsta_sync.sync import run_sync
from tests.conftest import FAKE_KEY, login_in_browser

pytestmark = pytest.mark.django_db

ADMIN_PASSWORD = "pw-admin-123!"


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("boss", "boss@example.com", ADMIN_PASSWORD)


@pytest.fixture
def synced(account):
    run_sync(account=account)
    return account


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def test_every_mirror_page_renders_for_staff_and_never_shows_the_key(staff_client, synced, fake_app):
    fake_app.faults.add("500", path="/users", times=-1)
    failing = run_sync(account=synced)
    site = Site.objects.first()
    pages = [
        "/admin/kinsta_sync/kinstaaccount/",
        f"/admin/kinsta_sync/kinstaaccount/{synced.pk}/change/",
        "/admin/kinsta_sync/site/",
        f"/admin/kinsta_sync/site/{site.pk}/change/",
        "/admin/kinsta_sync/environment/",
        "/admin/kinsta_sync/analyticspoint/",
        "/admin/kinsta_sync/activitylogentry/",
        "/admin/kinsta_sync/companyuser/",
        "/admin/kinsta_sync/region/",
        "/admin/kinsta_sync/syncrun/",
        f"/admin/kinsta_sync/syncrun/{failing.pk}/change/",
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert FAKE_KEY.encode() not in response.content, url
    detail = staff_client.get(f"/admin/kinsta_sync/syncrun/{failing.pk}/change/").content.decode()
    assert "GET /company/{id}/users" in detail
    assert "500" in detail


def test_the_account_page_shows_a_masked_key_and_keeps_it_when_left_empty(staff_client, synced):
    page = staff_client.get(f"/admin/kinsta_sync/kinstaaccount/{synced.pk}/change/").content.decode()
    assert "••••••••" + FAKE_KEY[-4:] in page

    response = staff_client.post(
        f"/admin/kinsta_sync/kinstaaccount/{synced.pk}/change/",
        {"name": "Renamed", "company_id": synced.company_id, "is_active": "on", "api_key": ""},
    )

    assert response.status_code == 302
    account = KinstaAccount.objects.get()
    assert account.name == "Renamed"
    assert account.get_api_key() == FAKE_KEY


def test_a_new_account_needs_a_key_and_stores_it_encrypted(staff_client):
    missing = staff_client.post("/admin/kinsta_sync/kinstaaccount/add/", {"name": "A", "company_id": "c-1"})
    assert missing.status_code == 200
    assert "A new account needs an API key." in missing.content.decode()

    staff_client.post(
        "/admin/kinsta_sync/kinstaaccount/add/",
        {"name": "A", "company_id": "c-1", "is_active": "on", "api_key": "  new-key-123456789  "},
    )

    account = KinstaAccount.objects.get(company_id="c-1")
    assert account.get_api_key() == "new-key-123456789"
    assert "new-key" not in account.api_key_encrypted


def test_mirrored_rows_cannot_be_added_changed_or_deleted(staff_client, synced):
    site = Site.objects.first()
    assert staff_client.get("/admin/kinsta_sync/site/add/").status_code == 403
    assert staff_client.get(f"/admin/kinsta_sync/site/{site.pk}/delete/").status_code == 403
    staff_client.post(f"/admin/kinsta_sync/site/{site.pk}/change/", {"display_name": "changed"})
    assert Site.objects.get(pk=site.pk).display_name != "changed"


def test_hostile_names_from_kinsta_are_escaped_in_the_admin(staff_client, synced, agency):
    hostile = [s for s in agency.sites if "<" in s.display_name]
    if not hostile:
        pytest.skip("this seed has no markup in site names")

    page = staff_client.get("/admin/kinsta_sync/site/?q=").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page or "&lt;img" in page


def test_sync_now_queues_one_task_per_account(staff_client, synced, task_queue):
    response = staff_client.post(
        "/admin/kinsta_sync/kinstaaccount/",
        {"action": "sync_now", "_selected_action": [synced.pk]},
        follow=True,
    )

    assert "Queued a sync of 1 account" in response.content.decode()
    queued = task_queue()
    assert len(queued) == 1
    assert queued[0]["func"] == "kinsta_sync.tasks.sync_account"
    assert queued[0]["args"] == (synced.pk, "all", SyncRun.Trigger.ADMIN)


def test_the_task_entry_point_runs_a_sync(account):
    summary = tasks.sync_account(account.pk, "hourly")

    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.SCHEDULE
    assert run.steps == ["validate", "regions", "sites", "users", "activity"]
    assert summary.startswith(f"{account.company_id}: success")
    assert ActivityLogEntry.objects.exists()
    assert not AnalyticsPoint.objects.exists()


def test_a_client_user_cannot_open_the_admin(client, synced):
    user = get_user_model().objects.create_user("client", password="pw-client-123!")
    client.force_login(user)

    response = client.get("/admin/kinsta_sync/site/")

    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_browse_the_mirror_in_the_admin(page, live_server, account, screenshot_dir):
    run_sync(account=account)
    get_user_model().objects.create_superuser("boss", "boss@example.com", ADMIN_PASSWORD)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    login_in_browser(page, live_server, "boss", ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/admin/kinsta_sync/site/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == Site.objects.count()
    page.screenshot(path=str(screenshot_dir / "admin-sites.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/kinsta_sync/syncrun/")
    page.locator("#result_list tbody tr a").first.click()
    page.screenshot(path=str(screenshot_dir / "admin-syncrun.png"), full_page=True)
    counts = page.locator(".field-counts_table table")
    assert counts.is_visible()
    assert "created" in counts.inner_text()

    page.goto(f"{live_server.url}/admin/kinsta_sync/environment/?is_live__exact=0")
    assert page.locator("#result_list tbody tr").count() == Environment.objects.filter(is_live=False).count()
    assert dialogs == []


def test_staff_switch_each_traffic_kind_per_account(staff_client, synced):
    page = staff_client.get(f"/admin/kinsta_sync/kinstaaccount/{synced.pk}/change/").content.decode()
    for field in ("traffic_response_codes", "traffic_countries", "traffic_referrers", "traffic_devices"):
        assert f'name="{field}"' in page

    response = staff_client.post(
        f"/admin/kinsta_sync/kinstaaccount/{synced.pk}/change/",
        {"name": synced.name, "company_id": synced.company_id, "is_active": "on", "traffic_response_codes": "on",
         "traffic_devices": "on"},
    )  # fmt: skip

    assert response.status_code == 302
    account = KinstaAccount.objects.get()
    assert (account.traffic_response_codes, account.traffic_countries, account.traffic_referrers) == (
        True,
        False,
        False,
    )
    assert account.traffic_devices
