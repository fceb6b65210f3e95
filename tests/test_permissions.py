"""Staff actions need their permission, the same in the report pages and the admin.

Agency staff see every client; what they may *do* from the report pages (send, approve and re-send reports,
create and revoke share links, start a sync) needs a permission (clients.access.PERM_*). A staff user
without it gets 403 and changes nothing, and the pages do not offer the buttons.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.delivery.models import ReportSend, ShareLink
from dashboard.delivery.sharing import create_share_link
from kinsta_sync.models import SyncRun
from tests.personas import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(client_a):
    yesterday = timezone.localdate() - timedelta(days=1)
    return ReportSend.objects.create(
        client=client_a, period_start=yesterday - timedelta(days=29), period_end=yesterday, status="draft",
        recipients=["boss@acme.example"],
    )  # fmt: skip


def actions(client_a, draft, link, account) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "delivery.send_report": ("/clients/acme/reports/send/", {"start": "2026-01-01", "end": "2026-01-31"}),
        "approve": (f"/clients/acme/reports/{draft.pk}/approve/", {}),
        "resend": (f"/clients/acme/reports/{draft.pk}/resend/", {}),
        "delivery.add_sharelink": ("/clients/acme/share/", {"days": "7", "period": "30d", "compare": "previous"}),
        "delivery.change_sharelink": (f"/clients/acme/share/{link.pk}/revoke/", {}),
        "kinsta_sync.sync_kinstaaccount": (f"/sync/{account.pk}/run/", {}),
    }


def test_staff_without_the_permissions_get_403_and_nothing_changes(
    client, client_a, staff_viewer, draft, persona_account, task_queue
):
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=None)
    client.force_login(staff_viewer)
    for name, (url, data) in actions(client_a, draft, link, persona_account).items():
        assert client.post(url, data).status_code == 403, name
    draft.refresh_from_db()
    link.refresh_from_db()
    assert draft.status == "draft" and ReportSend.objects.count() == 1
    assert link.revoked_at is None and ShareLink.objects.count() == 1
    assert task_queue() == [] and not SyncRun.objects.exists()


def test_each_permission_allows_exactly_its_action(client, client_a, staff_viewer, draft, persona_account):
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=None)
    table = actions(client_a, draft, link, persona_account)
    share_url, share_data = table["delivery.add_sharelink"]
    client.force_login(grant(staff_viewer, "delivery.add_sharelink"))
    assert client.post(share_url, share_data).status_code == 302
    assert ShareLink.objects.count() == 2
    revoke_url, _data = table["delivery.change_sharelink"]
    assert client.post(revoke_url).status_code == 403  # creating is not revoking
    client.force_login(grant(staff_viewer, "delivery.change_sharelink"))
    assert client.post(revoke_url).status_code == 302


def test_the_pages_offer_only_the_actions_the_user_may_take(client, client_a, staff_viewer, staff_user, draft):
    client.force_login(staff_viewer)
    report = client.get("/clients/acme/").content.decode()
    reports = client.get("/clients/acme/reports/").content.decode()
    sync = client.get("/sync/").content.decode()
    assert "data-share-form" not in report and "data-send-form" not in report
    assert "data-send-form" not in reports and "data-share-form" not in reports
    assert "Approve and send" not in reports
    assert "/run/" not in sync
    client.force_login(staff_user)
    assert "data-share-form" in client.get("/clients/acme/").content.decode()
    reports = client.get("/clients/acme/reports/").content.decode()
    assert "data-send-form" in reports and "Approve and send" in reports


def test_the_admin_offers_the_actions_only_with_the_same_permissions(
    client, client_a, staff_viewer, persona_account, draft
):
    create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=None)  # lists show actions
    viewer = grant(
        staff_viewer, "delivery.view_reportsend", "delivery.view_sharelink", "kinsta_sync.view_kinstaaccount"
    )
    client.force_login(viewer)
    sends = client.get("/admin/delivery/reportsend/").content.decode()
    links = client.get("/admin/delivery/sharelink/").content.decode()
    accounts = client.get("/admin/kinsta_sync/kinstaaccount/").content.decode()
    assert 'value="send_now"' not in sends and 'value="approve"' not in sends and 'value="resend"' not in sends
    assert 'value="revoke"' not in links
    assert 'value="sync_now"' not in accounts
    client.force_login(
        grant(viewer, "delivery.send_report", "delivery.change_sharelink", "kinsta_sync.sync_kinstaaccount")
    )
    assert 'value="send_now"' in client.get("/admin/delivery/reportsend/").content.decode()
    assert 'value="revoke"' in client.get("/admin/delivery/sharelink/").content.decode()
    assert 'value="sync_now"' in client.get("/admin/kinsta_sync/kinstaaccount/").content.decode()
