"""What each audience sees of the activity log: staff everything; the client's users, share links, PDFs and
e-mails what the client's `activity_shown_to_client` allows (by default successful work only, no names)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.delivery.sharing import create_share_link, share_path
from dashboard.reports.periods import preset_period
from dashboard.reports.selectors import client_report, client_today
from kinsta_sync.models import ActivityLogEntry, Site

pytestmark = pytest.mark.django_db

FAILED = "Backup restore exploded"
DONE = "Cleared the site cache"
STAFF_NAME = "Dana Devops"


@pytest.fixture
def activity(client_a):
    site = Site.objects.get(name="acme-shop")
    when = timezone.now() - timedelta(days=2)
    for i, (text, failed) in enumerate([(FAILED, True), (DONE, False)]):
        ActivityLogEntry.objects.create(
            account=site.account, kinsta_id=900_000 + i, site=site, occurred_at=when, type="site-action",
            description=text, has_failed=failed, initiated_by_name=STAFF_NAME, initiated_by_role="developer",
            public_error="boom" if failed else "",
        )  # fmt: skip
    return client_a


def page(http, user, url="/clients/acme/?period=7d&compare=none") -> str:
    http.force_login(user)
    return http.get(url).content.decode()


def test_a_client_user_sees_successful_work_without_names_by_default(client, activity, client_a_user):
    html = page(client, client_a_user)
    assert DONE in html
    assert FAILED not in html and STAFF_NAME not in html


def test_staff_see_everything_on_the_staff_report_page(client, activity, staff_user):
    html = page(client, staff_user)
    assert DONE in html and FAILED in html and STAFF_NAME in html


def test_a_share_link_shows_what_the_client_sees(client, activity, staff_user):
    link = create_share_link(client=activity, query={"period": "7d"}, days=7, created_by=staff_user)
    html = client.get(share_path(link)).content.decode()
    assert DONE in html
    assert FAILED not in html and STAFF_NAME not in html


@pytest.mark.parametrize("audience", ["pdf", "email", "share", "client"])
def test_the_pdf_and_the_email_get_what_the_client_sees(activity, audience):
    period = preset_period("7d", today=client_today(activity))
    report = client_report(client=activity, period=period, compare=None, audience=audience)
    assert [row.description for row in report.activity] == [DONE]
    assert {row.who for row in report.activity} == {""}
    staff = client_report(client=activity, period=period, compare=None, audience="staff")
    assert {row.description for row in staff.activity} == {DONE, FAILED}
    assert {row.who for row in staff.activity} == {STAFF_NAME}


def test_the_pdf_view_renders_what_the_client_sees(client, activity, staff_user, monkeypatch):
    seen = {}

    def fake_render(*, client, report, wait=None):  # type: ignore[no-untyped-def]
        seen["activity"] = [(row.description, row.who) for row in report.activity]
        raise RuntimeError("stop")

    monkeypatch.setattr("dashboard.exports.pdf.render_report_pdf", fake_render)
    client.force_login(staff_user)
    with pytest.raises(RuntimeError):
        client.get("/clients/acme/report.pdf?period=7d&compare=none")
    assert seen["activity"] == [(DONE, "")]


def test_changing_the_setting_changes_what_the_client_sees_at_once(client, activity, client_a_user):
    first = page(client, client_a_user)  # cached now
    assert FAILED not in first
    activity.activity_shown_to_client = "no_names"
    activity.save()
    html = page(client, client_a_user)
    assert FAILED in html and STAFF_NAME not in html
    activity.activity_shown_to_client = "all"
    activity.save()
    html = page(client, client_a_user)
    assert FAILED in html and STAFF_NAME in html


def test_the_setting_is_edited_on_the_clients_admin_page(admin_client, client_a):
    html = admin_client.get(f"/admin/clients/client/{client_a.pk}/change/").content.decode()
    assert 'name="activity_shown_to_client"' in html
    assert "Successful work only, no names" in html and "Everything, without staff names" in html
