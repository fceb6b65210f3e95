"""Share links: staff create a signed link to one client's report with an expiry; it shows that report
read-only without a login; it can be revoked; expired or revoked answers 410 with a clear page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import AgencyBranding
from dashboard.delivery.models import ShareLink
from dashboard.delivery.sharing import create_share_link, resolve_share_token, share_path, share_token
from kinsta_sync.models import AnalyticsPoint, Site, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CHROMIUM_PATH = "/nonexistent/chromium"


@pytest.fixture
def link(client_a, client_b, staff_user) -> ShareLink:
    return create_share_link(
        client=client_a, query={"period": "30d", "compare": "previous"}, days=30, created_by=staff_user
    )


def test_staff_create_a_link_from_the_report_page(client, staff_user, client_a):
    client.force_login(staff_user)
    html = client.get("/clients/acme/?period=7d&compare=none").content.decode()
    assert 'action="/clients/acme/share/"' in html

    response = client.post("/clients/acme/share/", {"period": "7d", "compare": "none", "days": "7"}, follow=True)
    link = ShareLink.objects.get()
    assert link.client == client_a and link.created_by == staff_user
    assert link.query == {"period": "7d", "compare": "none"}
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    page = response.content.decode()
    assert f"http://testserver{share_path(link)}" in page  # shown once created, and listed for copying


def test_the_link_shows_the_report_read_only_without_a_login(client, link, client_b):
    response = client.get(share_path(link))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Corp" in html and "Acme Shop" in html and "Acme Blog" in html
    assert "Globex" not in html  # only the linked client
    # Nothing that leads into the app: no links to client pages, no forms, no navigation, no staff actions.
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert not [h for h in hrefs if h.startswith("/clients/") or h.startswith("/admin")]
    assert "<form" not in html
    assert "csrfmiddlewaretoken" not in html
    assert f'href="{share_path(link)}report.pdf"' in html
    assert response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    link.refresh_from_db()
    assert link.views == 1 and link.last_viewed_at is not None


def test_the_shared_site_table_leaves_out_the_agencys_labels_and_staging(client, link, staff_user):
    shared = client.get(share_path(link)).content.decode()
    client.force_login(staff_user)
    own = client.get("/clients/acme/?period=30d&compare=previous").content.decode()

    # Acme Shop has the Kinsta label "Acme" and a staging environment: the agency's own page shows both.
    assert '<span class="label">Acme</span>' in own and 'id="staging-heading"' in own
    assert '<span class="label">' not in shared and 'id="staging-heading"' not in shared
    assert '<span dir="auto">Acme Shop</span>' in shared


def test_the_link_shows_the_same_numbers_as_the_report_page(client, link, staff_user):
    shared = client.get(share_path(link)).context["report"]
    client.force_login(staff_user)
    page = client.get("/clients/acme/?period=30d&compare=previous").context["report"]
    assert shared.kpis == page.kpis
    assert shared.period == page.period


def test_a_link_opened_again_reads_the_report_from_the_cache_until_a_sync_ends(client, link):
    url = share_path(link)
    first, cold = _get(client, url)
    again, warm = _get(client, url)
    # Warm: the link with its client, the view counter, the data version, the branding and the sections built
    # on every view (work done, the agency's note, the quota); the report and the cached sections (traffic,
    # maintenance) come from the report cache. The first view ran 19 on 2026-12-02.
    assert warm == 7 < cold
    # The body (figures, charts, sites, activity) comes from the fragment cache, the same as it was rendered.
    assert again.content == first.content
    assert 'id="chart-visits-data"' in again.content.decode()

    # New figures arrive, and the sync that brought them ends: the next view shows them.
    before = first.context["report"].kpi("visits").value
    shop = Site.objects.get(name="acme-shop")
    live_visits = AnalyticsPoint.objects.filter(environment__site=shop, environment__is_live=True, metric="visits")
    point = live_visits.order_by("-day").first()
    point.value += 1000
    point.save(update_fields=["value"])
    assert _get(client, url)[0].context["report"].kpi("visits").value == before  # no sync has ended yet
    now = timezone.now()
    SyncRun.objects.create(account=shop.account, trigger=SyncRun.Trigger.MANUAL, status=SyncRun.Status.SUCCESS,
                           started_at=now, finished_at=now)  # fmt: skip
    after, recomputed = _get(client, url)
    assert after.context["report"].kpi("visits").value == before + 1000
    assert recomputed > warm


def _get(http, url: str):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return response, len(queries.captured_queries)


@pytest.mark.needs("pango")
def test_the_pdf_of_a_shared_report_needs_no_login(client, link):
    response = client.get(f"{share_path(link)}report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Referrer-Policy"] == "no-referrer"


def test_an_expired_link_answers_410_with_a_clear_page(client, link):
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        response = client.get(share_path(link))
        pdf = client.get(f"{share_path(link)}report.pdf")
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link is no longer available" in html
    assert "has expired" in html
    assert "Acme Shop" not in html
    assert pdf.status_code == 410


def test_a_link_works_until_its_last_second(client, link):
    with time_machine.travel(link.expires_at - timedelta(seconds=1)):
        assert client.get(share_path(link)).status_code == 200


def test_staff_revoke_a_link_and_it_answers_410(client, link, staff_user):
    client.force_login(staff_user)
    response = client.post(f"/clients/acme/share/{link.pk}/revoke/", follow=True)
    assert "was revoked" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == staff_user
    again = client.post(f"/clients/acme/share/{link.pk}/revoke/", follow=True)
    assert "already revoked" in again.content.decode()

    client.logout()
    gone = client.get(share_path(link))
    assert gone.status_code == 410
    assert "was withdrawn" in gone.content.decode()


def test_a_link_of_an_inactive_client_is_gone(client, link, client_a):
    client_a.is_active = False
    client_a.save()
    assert client.get(share_path(link)).status_code == 410


def test_forged_and_tampered_tokens_are_404(client, link):
    token = share_token(link)
    pk_nonce, _, signature = token.rpartition(":")
    other_pk = pk_nonce.replace(f"{link.pk}.", f"{link.pk + 1}.", 1)
    for bad in (f"{other_pk}:{signature}", f"{pk_nonce}:{'A' * len(signature)}", "nonsense", f"{link.pk}"):
        assert client.get(f"/share/{bad}/").status_code == 404
    # A correctly signed token for a row that does not match (a reset database reusing the pk).
    forged = signing.Signer(salt="dashboard.share-link").sign(f"{link.pk}.wrong-nonce")
    assert client.get(f"/share/{forged}/").status_code == 404
    assert resolve_share_token(token).state == "active"


def test_the_share_page_is_in_the_clients_language(client, client_b, staff_user):
    link = create_share_link(client=client_b, query={"period": "30d"}, days=3, created_by=staff_user)
    html = client.get(share_path(link)).content.decode()
    assert '<html lang="de">' in html
    assert "Dieser Link gilt bis" in html
    link.revoked_at = timezone.now()
    link.save()
    gone = client.get(share_path(link)).content.decode()
    assert "Dieser Link ist nicht mehr verfügbar" in gone


def test_the_agency_is_named_on_the_share_pages(client, link):
    branding = AgencyBranding.get()
    branding.name, branding.reply_to = "Pixel & Partners", "hello@pixel.example"
    branding.save()
    assert "Pixel &amp; Partners" in client.get(share_path(link)).content.decode()
    with time_machine.travel(link.expires_at + timedelta(days=1)):
        gone = client.get(share_path(link)).content.decode()
    assert "Please ask Pixel &amp; Partners for a new link." in gone
    assert "mailto:hello@pixel.example" in gone


def test_a_share_link_is_read_only(client, link):
    assert client.post(share_path(link)).status_code == 405


# --- Access -----------------------------------------------------------------------------------------------------


def test_client_users_cannot_create_or_revoke_links(client, client_a_user, link):
    client.force_login(client_a_user)
    assert client.post("/clients/acme/share/", {"period": "7d", "days": "7"}).status_code == 404
    assert client.post(f"/clients/acme/share/{link.pk}/revoke/").status_code == 404
    assert ShareLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_other_clients_link_ids_are_404(client, staff_user, client_b, link):
    client.force_login(staff_user)
    # The link belongs to acme: revoking it under globex's address is a 404 and changes nothing.
    assert client.post(f"/clients/globex/share/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_anonymous_visitors_cannot_create_links(client, client_a):
    response = client.post("/clients/acme/share/", {"period": "7d", "days": "7"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not ShareLink.objects.exists()


def test_a_link_with_a_bad_period_or_lifetime_is_refused(client, staff_user, client_a):
    client.force_login(staff_user)
    client.post("/clients/acme/share/", {"start": "2026-03-10", "end": "2026-03-01", "days": "7"})
    client.post("/clients/acme/share/", {"period": "7d", "days": "0"})
    client.post("/clients/acme/share/", {"period": "7d", "days": "9999"})
    assert not ShareLink.objects.exists()


def test_staff_see_links_with_their_state_on_the_reports_page(client, staff_user, link):
    expired = create_share_link(client=link.client, query={}, days=1, created_by=staff_user)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    client.force_login(staff_user)
    html = client.get("/clients/acme/reports/").content.decode()
    assert f"http://testserver{share_path(link)}" in html
    assert ">expired<" in html and ">active<" in html
    assert f'action="/clients/acme/share/{link.pk}/revoke/"' in html
    assert f'action="/clients/acme/share/{expired.pk}/revoke/"' not in html


def test_the_report_says_how_long_the_link_is_valid_not_a_period(client, staff_user, client_a):
    client.force_login(staff_user)
    html = client.get("/clients/acme/?period=7d&compare=none").content.decode()
    assert "Link valid for" in html
    assert "Share this report for" not in html


def test_a_link_created_from_the_report_is_shown_on_the_report_with_a_copy_button(client, staff_user, client_a):
    client.force_login(staff_user)
    form = {"period": "7d", "compare": "none", "days": "7", "return_to": "report"}
    response = client.post("/clients/acme/share/", form)
    link = ShareLink.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/clients/acme/?period=7d&compare=none"

    html = client.get(response["Location"]).content.decode()
    url = f"http://testserver{share_path(link)}"
    assert f'value="{url}"' in html
    assert 'data-copy="new-share-url"' in html
    assert "Shows: Last 7 days, no comparison · valid until" in html
    assert "<script>" not in html.split("data-new-share-link")[1].split("</section>")[0]
    # Shown once: a reload does not show it again.
    assert url not in client.get(response["Location"]).content.decode()


def test_a_new_links_box_never_shows_another_clients_link(client, staff_user, client_a, client_b):
    other = create_share_link(client=client_b, query={"period": "7d"}, days=7, created_by=staff_user)
    client.force_login(staff_user)
    session = client.session
    session["new_share_link"] = other.pk
    session.save()
    html = client.get("/clients/acme/").content.decode()
    assert share_path(other) not in html and "data-new-share-link" not in html


def test_the_links_table_says_the_period_in_words(client, staff_user, client_a):
    create_share_link(client=client_a, query={"period": "7d", "compare": "previous"}, days=7, created_by=staff_user)
    create_share_link(
        client=client_a, query={"start": "2026-10-01", "end": "2026-10-31", "compare": "none"}, days=7,
        created_by=staff_user,
    )  # fmt: skip
    client.force_login(staff_user)
    html = client.get("/clients/acme/reports/").content.decode()
    assert ">Last 7 days, compared with the previous 7 days<" in html
    assert ">1 Oct 2026 to 31 Oct 2026, no comparison<" in html
    assert ">period=7d&amp;compare=previous<" not in html

    html = client.get("/clients/acme/reports/", headers={"accept-language": "de"}).content.decode()
    assert ">Letzte 7 Tage, verglichen mit den vorherigen 7 Tagen<" in html
    assert ">1. Okt 2026 bis 31. Okt 2026, ohne Vergleich<" in html
