"""Exports and share links in Debian's Chromium: the download buttons of a client user, a share link
created by staff and opened without a login (charts drawn), and the page a revoked link shows.

Screenshots land in artifacts/screenshots/ (exports-*.png) for people to look at.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from dashboard.delivery.models import ShareLink
from dashboard.delivery.sharing import share_path
from tests.conftest import login_in_browser
from tests.factories import add_points, make_site
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD, persona_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_pdf_charts(settings):
    # The PDF's charts are tested in tests/exports/test_pdf.py; here the browser is what is under test.
    settings.CHROMIUM_PATH = "/nonexistent/chromium"


@pytest.fixture
def acme(client_a, client_a_user, staff_user, persona_account):
    hostile = make_site(persona_account, name="odd", display_name='=HYPERLINK("http://evil.example","x") <b>Shop</b>')
    add_points(hostile.live, metric="visits", days={day: 42 for day in persona_days()[-20:]})
    from tests.factories import assign

    assign([hostile], client_a)
    return client_a


@pytest.mark.needs("pango")
def test_a_client_user_downloads_the_pdf_and_both_csv_files(page, live_server, acme, screenshot_dir):
    login_in_browser(page, live_server, "alice", CLIENT_PASSWORD)
    page.goto(f"{live_server.url}/clients/acme/?period=30d&compare=previous")
    actions = page.locator(".export-actions")
    assert actions.is_visible()
    page.screenshot(path=str(screenshot_dir / "exports-report-buttons.png"), full_page=False)

    with page.expect_download() as info:
        actions.get_by_role("link", name="CSV, per day").click()
    download = info.value
    assert re.fullmatch(r"report-acme-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv", download.suggested_filename)
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["date", "site", "site_id", "environment"]
    assert '\'=HYPERLINK("http://evil.example","x") <b>Shop</b>' in {row[1] for row in rows[1:]}

    with page.expect_download() as info:
        actions.get_by_role("link", name="CSV, per site").click()
    assert info.value.suggested_filename.endswith("-summary.csv")

    with page.expect_download() as info:
        actions.get_by_role("link", name="PDF").click()
    pdf = info.value
    assert pdf.suggested_filename.endswith(".pdf")
    assert Path(pdf.path()).read_bytes()[:5] == b"%PDF-"
    # No staff actions for a client user.
    assert page.locator("[data-share-form]").count() == 0


def test_staff_share_a_report_and_it_opens_without_a_login_until_revoked(
    browser, page, live_server, acme, screenshot_dir
):
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/clients/acme/?period=30d&compare=previous")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("[data-share-form] button").click()
    # Back on the report, the new link in a box with a Copy button.
    page.wait_for_url(re.compile(r"/clients/acme/\?period=30d&compare=previous$"))
    link = ShareLink.objects.get()
    url = f"{live_server.url}{share_path(link)}"
    box = page.locator("[data-new-share-link]")
    assert box.locator("input").input_value() == url
    assert box.get_by_text("Shows: Last 30 days, compared with the previous 30 days").is_visible()
    box.get_by_role("button", name="Copy").click()
    box.locator("[data-copy-status]", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    box.screenshot(path=str(screenshot_dir / "exports-new-share-link.png"))
    page.screenshot(path=str(screenshot_dir / "exports-report-new-share-link.png"), full_page=False)
    page.reload()
    assert page.locator("[data-new-share-link]").count() == 0  # shown once

    page.goto(f"{live_server.url}/clients/acme/reports/")
    assert page.locator(f"input[value='{url}']").is_visible()
    assert page.get_by_text("Last 30 days, compared with the previous 30 days").is_visible()
    page.screenshot(path=str(screenshot_dir / "exports-reports-page.png"), full_page=True)

    anonymous = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        shared = anonymous.new_page()
        dialogs: list[str] = []
        shared.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        shared.goto(url)
        shared.wait_for_selector("#chart-visits .main-svg")
        assert shared.locator(".plot", has=shared.locator(".main-svg")).count() == 3
        assert shared.get_by_role("heading", name="Acme Corp").is_visible()
        assert shared.get_by_text('=HYPERLINK("http://evil.example","x") <b>Shop</b>').first.is_visible()
        assert dialogs == []
        assert shared.locator("a[href^='/clients/']").count() == 0
        shared.screenshot(path=str(screenshot_dir / "exports-share-page.png"), full_page=True)

        shared.set_viewport_size({"width": 390, "height": 844})
        shared.reload()
        shared.wait_for_selector("#chart-visits .main-svg")
        assert shared.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shared.screenshot(path=str(screenshot_dir / "exports-share-page-phone.png"), full_page=True)

        page.locator(f"form[action='/clients/acme/share/{link.pk}/revoke/'] button").click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_text("was revoked").is_visible()

        response = shared.goto(url)
        assert response is not None and response.status == 410
        assert shared.get_by_role("heading", name="This link is no longer available").is_visible()
        shared.screenshot(path=str(screenshot_dir / "exports-share-revoked.png"), full_page=True)
    finally:
        anonymous.close()


def test_the_copy_button_selects_the_link_where_the_clipboard_is_unavailable(page, live_server, acme, screenshot_dir):
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined});")
    page.goto(f"{live_server.url}/clients/acme/?period=7d&compare=none")
    page.locator("[data-share-form] button").click()
    page.wait_for_url(re.compile(r"/clients/acme/\?period=7d&compare=none$"))
    box = page.locator("[data-new-share-link]")
    box.get_by_role("button", name="Copy").click()
    assert "Ctrl+C" in box.locator("[data-copy-status]").inner_text()
    selected = page.evaluate(
        "(() => { const i = document.getElementById('new-share-url');"
        " return i.value.slice(i.selectionStart, i.selectionEnd); })()"
    )
    assert selected == box.locator("input").input_value() and "/share/" in selected
    box.screenshot(path=str(screenshot_dir / "exports-new-share-link-selected.png"))
