"""The Maintenance section in a real browser, after a sync of the fake: vulnerable plugins first and red, the
stale backup flagged, in English and in German, at 1366 and 390 px (no sideways scrolling on a phone).

Screenshots: artifacts/screenshots/maintenance-<lang>-<width>.png.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from kinsta_sync.models import Site
from kinsta_sync.sync import run_sync
from tests.conftest import login_in_browser
from tests.factories import assign, make_client, make_member
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_the_section_in_english_and_german(browser, live_server, account, screenshot_dir, width):
    run_sync(account=account)
    sites = list(Site.objects.order_by("display_name"))
    acme = make_client("Acme Corp", slug="acme")
    globex = make_client("Globex", slug="globex", language="de", timezone="Europe/Berlin")
    assign(sites[:3], acme)
    assign(sites[3:], globex)
    get_user_model().objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True, is_superuser=True)
    # Globex's user reads the report in the client's language, German.
    make_member(get_user_model().objects.create_user("bob", password=CLIENT_PASSWORD), globex)
    phone = width <= 390
    for user, password, slug, lang, heading in (
        ("staff", STAFF_PASSWORD, "acme", "en", "Maintenance"),
        ("bob", CLIENT_PASSWORD, "globex", "de", "Wartung"),
    ):
        context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.set_default_timeout(20_000)
        login_in_browser(page, live_server, user, password)
        response = page.goto(f"{live_server.url}/clients/{slug}/?period=30d")
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        section = page.locator("section.maintenance")
        assert section.locator("h2").inner_text() == heading
        vulnerable = section.locator(".maint-vulnerable li")
        if vulnerable.count():
            color = vulnerable.first.evaluate("el => getComputedStyle(el).color")
            assert color == "rgb(179, 38, 30)", color  # --bad
        section.screenshot(path=str(screenshot_dir / f"maintenance-{lang}-{width}.png"))
        if phone:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (slug, width)
        context.close()


def test_staff_write_the_agencys_note_in_the_browser(browser, live_server, client_a, screenshot_dir):
    from tests.personas import grant

    staff = get_user_model().objects.create_user("writer", password=STAFF_PASSWORD, is_staff=True)
    grant(staff, "maintenance.change_agencynote")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    login_in_browser(page, live_server, "writer", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/clients/acme/?period=last_month")
    page.fill("#note-text", "Updated WooCommerce to 8.9.3.\nRenewed the <b>SSL</b> certificate.")
    page.click(".note-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    note = page.locator("section.agency-note")
    assert (
        note.locator(".note-text").inner_text() == "Updated WooCommerce to 8.9.3.\nRenewed the <b>SSL</b> certificate."
    )
    assert "?start=" in page.url
    note.screenshot(path=str(screenshot_dir / "agency-note-1366.png"))
    context.close()


@pytest.mark.needs("pango")
def test_the_draft_review_shows_the_agencys_note_before_sending(
    browser, live_server, client_a, settings, tmp_path, screenshot_dir
):
    from datetime import date

    from dashboard.delivery.sends import ensure_send, prepare_send
    from dashboard.maintenance.models import AgencyNote
    from dashboard.reports.periods import Period

    settings.CHROMIUM_PATH = "/nonexistent/chromium"  # the PDF's tables, not its charts: this test is the page
    settings.REPORTS_ROOT = tmp_path
    period = Period(date(2026, 1, 1), date(2026, 1, 31))
    AgencyNote.objects.create(client=client_a, period_start=period.start, period_end=period.end,
                              text="Updated WooCommerce to 8.9.3.\nRenewed the <b>SSL</b> certificate.")  # fmt: skip
    send, _ = ensure_send(client=client_a, period=period, compare="none", recipients=["boss@acme.example"],
                          review_required=True)  # fmt: skip
    prepare_send(send)
    get_user_model().objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    response = page.goto(f"{live_server.url}/clients/acme/reports/")
    assert response is not None and response.status == 200
    review = page.locator(f"[data-draft-review='{send.pk}']")
    first = review.locator("[data-review-section]").first
    assert first.get_attribute("data-review-section") == "agency-note"
    assert "Updated WooCommerce to 8.9.3.\nRenewed the <b>SSL</b> certificate." in first.inner_text()
    assert review.locator("b").count() == 0
    page.locator("table.sends").screenshot(path=str(screenshot_dir / "draft-review-1366.png"))
    context.close()
