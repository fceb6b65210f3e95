"""The Maintenance section on the client report, share page, site page, PDF and e-mail, the maintenance CSV and
the overview's "Needs attention" column: each client sees its own plugins and nobody else's, hostile names stay
text, "No data" is never a 0, and the pages' query counts do not grow with the number of sites."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from dashboard.delivery.sends import deliver, ensure_send
from dashboard.delivery.sharing import create_share_link, share_path
from dashboard.reports.periods import Period
from kinsta_sync.models import Environment, InstalledItem
from tests.maintenance.conftest import HOSTILE_NAME, HOSTILE_TITLE

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_report_leads_with_the_vulnerable_plugins_updates_and_backups(client, staff_user, maintained):
    client.force_login(staff_user)
    html = page(client, "/clients/acme/?period=30d")

    section = html[html.index('id="maintenance-heading"') : html.index('class="kpis')]
    assert "2 vulnerable plugins and themes" in section
    assert "<strong>WooCommerce</strong> 8.9.1" in section and "update to 8.9.3 available" in section
    # Red and first: the vulnerable list comes before the figures and the update list.
    assert section.index('class="bad"') < section.index("Updates done in the period")
    day = (timezone.localtime(timezone.now()) - timedelta(days=3)).strftime("%-d %b")
    assert f"Yoast SEO 22.6 → 22.8 on {day}" in section
    assert "No backup in the last 48 hours" in section and "Acme Blog (Live)" in section
    assert "Globex Only Plugin" not in html
    assert html.index("maintenance-heading") < html.index('class="kpis')


def test_no_data_is_never_a_zero(client, staff_user, client_a):
    from tests.maintenance.conftest import add_items

    client.force_login(staff_user)
    assert "maintenance-heading" not in page(client, "/clients/acme/")  # never read: the section stays out
    shop = Environment.objects.get(site__name="acme-shop", is_live=True)
    Environment.objects.filter(pk=shop.pk).update(backups_synced_at=timezone.now())
    cache.clear()  # as a sync would move the report's data version on (the section is a cached one)
    html = page(client, "/clients/acme/")
    section = html[html.index('id="maintenance-heading"') : html.index('class="kpis')]
    # Backups were read (none listed); plugins never were: their counts say "no data", not 0.
    assert section.count("no data") >= 3
    assert '<dd><span class="nodata">no data</span></dd>' in section
    add_items(shop, ("plugin", "jetpack", "Jetpack", "13.5", "", None))
    cache.clear()
    html = page(client, "/clients/acme/")
    assert "Vulnerabilities: No data" in html  # the deprecated endpoint sent no flags: unknown, not safe


def test_hostile_plugin_names_are_inert_on_the_page_and_in_the_csv(client, staff_user, maintained):
    client.force_login(staff_user)
    html = page(client, "/clients/acme/")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Evil &amp; Co" in html

    response = client.get("/clients/acme/maintenance.csv?period=30d")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    hostile = next(row for row in rows if HOSTILE_TITLE in row[5])
    assert hostile[4] == "'" + HOSTILE_NAME


def test_the_csv_lists_the_clients_plugins_and_themes_only(client, staff_user, client_a_user, maintained):
    client.force_login(client_a_user)
    response = client.get("/clients/acme/maintenance.csv?period=last_month")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "-maintenance.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["site", "site_id", "environment", "kind", "name", "title", "version", "update_version",
                       "vulnerable", "status"]  # fmt: skip
    woo = next(row for row in rows if row[4] == "woocommerce")
    shop = maintained["shop"]
    assert woo == ["Acme Shop", shop.kinsta_id, "live", "plugin", "woocommerce", "WooCommerce", "8.9.1", "8.9.3",
                   "true", "active"]  # fmt: skip
    assert next(row for row in rows if row[4] == "jetpack")[8] == ""  # unknown stays empty, never "false"
    assert next(row for row in rows if row[4] == "astra")[3:5] == ["theme", "astra"]
    assert len(rows) == 1 + 6
    assert not any("Globex" in cell for row in rows for cell in row)

    # The other client's CSV: 404 for Acme's user; anonymous: the login page.
    assert client.get("/clients/globex/maintenance.csv").status_code == 404
    assert client.get("/clients/acme/maintenance.csv?start=2026-13-01").status_code == 400
    client.logout()
    anonymous = client.get("/clients/acme/maintenance.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    client.force_login(staff_user)
    globex = b"".join(client.get("/clients/globex/maintenance.csv").streaming_content).decode()
    assert "Globex Only Plugin" in globex and "WooCommerce" not in globex


def test_the_other_clients_report_and_users_do_not_see_it(client, client_b_user, maintained):
    client.force_login(client_b_user)
    html = page(client, "/clients/globex/")
    assert "Globex Only Plugin" in html and "WooCommerce" not in html
    assert client.get("/clients/acme/").status_code == 404


def test_the_site_page_lists_the_sites_plugins_themes_and_backups(client, client_a_user, maintained):
    client.force_login(client_a_user)
    shop = maintained["shop"]
    html = page(client, f"/clients/acme/sites/{shop.pk}/")
    for text in ("Astra", "Akismet Anti-spam", "WooCommerce", "Latest backups", "Daily Auto Backup", "vulnerable"):
        assert text in html, text
    assert "Jetpack" not in html  # the blog's plugin
    assert client.get(f"/clients/acme/sites/{maintained['globex'].pk}/").status_code == 404


def test_the_share_page_shows_the_section(client, staff_user, client_a, maintained):
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=staff_user)
    html = page(client, share_path(link))
    assert "maintenance-heading" in html and "WooCommerce" in html and "Globex Only Plugin" not in html
    # A share link's visitor has no login: no links to pages that need one.
    assert "maintenance.csv" not in html and "/sites/" not in html


@pytest.mark.needs("pango")
def test_the_pdf_shows_the_section(client, staff_user, settings, maintained):
    from tests.pdf_text import pdf_text

    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    client.force_login(staff_user)
    text = pdf_text(client.get("/clients/acme/report.pdf?period=30d").content)
    assert "Maintenance" in text and "WooCommerce 8.9.1" in text
    assert "Globex Only Plugin" not in text
    assert '<script>alert("x")</script> Evil & Co' in text  # as text, inert
    other = pdf_text(client.get("/clients/globex/report.pdf?period=30d").content)
    assert "Globex Only Plugin" in other and "WooCommerce" not in other


@pytest.mark.needs("pango")
def test_the_email_shows_what_the_send_stored(client_a, settings, tmp_path, maintained):
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    settings.REPORTS_ROOT = tmp_path
    today = timezone.localdate()
    send, _ = ensure_send(client=client_a, period=Period(today - timedelta(days=29), today), compare="none",
                          recipients=["boss@acme.example"])  # fmt: skip
    deliver(send.pk)
    send.refresh_from_db()
    stored = send.numbers["sections"]["maintenance"]
    assert stored["vulnerable_count"] == 2 and "installed" not in stored
    InstalledItem.objects.filter(name="woocommerce").update(title="Changed after the send")
    message = mail.outbox[-1]
    assert "WooCommerce 8.9.1 (Acme Shop, Live)" in message.body
    html = message.alternatives[0][0]
    assert "WooCommerce 8.9.1" in html and "&lt;script&gt;" in html and "<script>alert" not in html
    assert html.index("Maintenance") < html.index("Headline figures")
    assert "Globex Only Plugin" not in message.body


def test_the_overview_flags_what_needs_attention(client, staff_user, maintained):
    client.force_login(staff_user)
    html = page(client, "/")
    assert "Needs attention</th>" in html
    shop = maintained["shop"]
    assert f'href="/clients/acme/sites/{shop.pk}/"' in html
    assert "2 vulnerable" in html and "1 without backup" in html and "3 updates pending" in html


def test_a_period_outside_the_update_leaves_it_out(client, staff_user, maintained):
    client.force_login(staff_user)
    old = date.today() - timedelta(days=200)
    html = page(client, f"/clients/acme/?start={old}&end={old + timedelta(days=10)}")
    assert "Yoast SEO 22.6" not in html


def test_updates_from_the_activity_log_show_when_they_happened_and_who_did_them(client, staff_user, maintained):
    from kinsta_sync.models import UpdateEvent

    shop = maintained["shop"].live
    now = timezone.now()
    # Only the activity log knows it (done and undone between two syncs): no from version; a hostile name.
    UpdateEvent.objects.create(environment=shop, kind="plugin", name="elementor", title="Elementor",
                               to_version="3.22.1", seen_at=now - timedelta(days=5),
                               happened_at=now - timedelta(days=5),
                               observed=False, updated_by="<b>Mallory</b>")  # fmt: skip
    # Seen by a sync two days ago, but the activity log says it happened 40 days ago: outside the 30 days.
    UpdateEvent.objects.create(environment=shop, kind="plugin", name="jetpack", title="Jetpack", from_version="13.4",
                               to_version="13.5", seen_at=now - timedelta(days=2),
                               happened_at=now - timedelta(days=40), updated_by="Jane")  # fmt: skip
    client.force_login(staff_user)

    html = page(client, "/clients/acme/?period=30d")

    section = html[html.index('id="maintenance-heading"') : html.index('class="kpis')]
    day = (timezone.localtime(now) - timedelta(days=5)).strftime("%-d %b")
    assert f"Elementor updated to 3.22.1 on {day} by &lt;b&gt;Mallory&lt;/b&gt;" in section
    assert "<b>Mallory" not in html
    assert "Jetpack 13.4" not in section
