"""Every page a user sees, at 1366 px and at 390 px, as staff and as a client user (and signed out: login,
password reset, the share page): each answers as it should (200; 404 for a missing page), draws its charts
where it has some, and on a phone never scrolls sideways.

Screenshots land in artifacts/screenshots/<page>-<width>.png for people to look at.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from dashboard.usage.models import Plan
from dashboard.usage.reconcile import fetch_kinsta_usage
from kinsta_sync.models import Site, SyncRun
from kinsta_sync.sync import run_sync
from tests.conftest import login_in_browser
from tests.factories import assign, make_client, make_member
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1366, 390]


@pytest.fixture
def agency_data(account):
    from dashboard.delivery.sharing import create_share_link, share_path

    run_sync(account=account)
    sites = list(Site.objects.order_by("display_name"))
    acme = make_client("Acme Corp", slug="acme", brand_color="#0a7d5a")
    globex = make_client("Globex", slug="globex", language="de", timezone="Europe/Berlin")
    assign(sites[: len(sites) // 2 + 1], acme)
    assign(sites[len(sites) // 2 + 1 :], globex)
    SyncRun.objects.create(account=account, trigger="schedule", status="success")
    user = get_user_model()
    staff = user.objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True, is_superuser=True)
    alice = user.objects.create_user("alice", password=CLIENT_PASSWORD)
    make_member(alice, acme)
    link = create_share_link(client=acme, query={"period": "30d"}, days=7, created_by=staff)
    site = Site.objects.filter(assignment__client=acme, environments__is_live=False).first() or sites[0]
    fetch_kinsta_usage(account=account)  # the usage page's check against Kinsta's own count
    Plan.objects.create(
        account=account,
        monthly_price=Decimal("340.00"),
        included_visits=50_000,
        included_cdn_gb=10,
        included_disk_gb=50,
    )
    return {"acme": acme, "site": site, "share": share_path(link)}


# Whether a table's scrolling wrapper (.table-scroll) shows all of it; and the two widths, for the message.
# The tables (by their first class) whose scrolling wrapper does not show all of them: [name, full, shown].
CUT_TABLES = """() => [...document.querySelectorAll('.table-scroll')]
    .filter((w) => w.scrollWidth > w.clientWidth + 1)
    .map((w) => [w.querySelector('table')?.className, w.scrollWidth, w.clientWidth])"""


def charts_drawn(page) -> int:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#chart-visits .main-svg")
    return page.locator(".plot", has=page.locator(".main-svg")).count()


def visit(page, url: str, name: str, width: int, screenshot_dir, *, status: int = 200, charts: bool = False):  # type: ignore[no-untyped-def]
    response = page.goto(url)
    assert response is not None and response.status == status, (name, width, response and response.status)
    page.wait_for_load_state("networkidle")
    if charts:
        assert charts_drawn(page) >= 3, (name, width)
    page.screenshot(path=str(screenshot_dir / f"{name}-{width}.png"), full_page=True)
    if width <= 390:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, width)
    else:  # on a laptop every column of every table shows without scrolling it sideways
        assert page.evaluate(CUT_TABLES) == [], (name, width)


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def sized_page(request, browser):  # type: ignore[no-untyped-def]
    width = request.param
    phone = width <= 390
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page, width
    context.close()


def test_every_staff_page(sized_page, live_server, agency_data, screenshot_dir):
    page, width = sized_page
    base = live_server.url
    acme, site = agency_data["acme"], agency_data["site"]
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    visit(page, f"{base}/", "staff-overview", width, screenshot_dir)
    assert page.locator("table.overview svg polyline").count() >= 1  # the trend lines
    visit(page, f"{base}/clients/acme/", "staff-client-report", width, screenshot_dir, charts=True)
    visit(page, f"{base}/clients/acme/sites/{site.pk}/", "staff-site", width, screenshot_dir, charts=True)
    visit(page, f"{base}/sync/", "staff-sync", width, screenshot_dir)
    visit(page, f"{base}/usage/", "staff-usage", width, screenshot_dir)
    assert page.locator("table.usage-allocation tbody tr").count() == 3  # Acme, Globex, Unassigned
    assert page.locator("table.usage-check tbody tr").count() == 3  # visits, bandwidth, CDN against Kinsta's
    visit(page, f"{base}/clients/acme/reports/", "staff-sent-reports", width, screenshot_dir)
    visit(page, f"{base}/no-such-page/", "staff-404", width, screenshot_dir, status=404)
    visit(page, f"{base}/admin/", "staff-admin-index", width, screenshot_dir)
    visit(page, f"{base}/admin/clients/client/{acme.pk}/change/", "staff-admin-client", width, screenshot_dir)


def test_every_client_user_page(sized_page, live_server, agency_data, screenshot_dir):
    page, width = sized_page
    base = live_server.url
    site = agency_data["site"]
    login_in_browser(page, live_server, "alice", CLIENT_PASSWORD)
    # A client user's overview is their report.
    visit(page, f"{base}/", "client-overview", width, screenshot_dir, charts=True)
    assert page.url.startswith(f"{base}/clients/acme/")
    visit(page, f"{base}/clients/acme/", "client-client-report", width, screenshot_dir, charts=True)
    visit(page, f"{base}/clients/acme/sites/{site.pk}/", "client-site", width, screenshot_dir, charts=True)
    visit(page, f"{base}/clients/acme/reports/", "client-sent-reports", width, screenshot_dir)
    visit(page, f"{base}/no-such-page/", "client-404", width, screenshot_dir, status=404)


def test_every_signed_out_page(sized_page, live_server, agency_data, screenshot_dir):
    page, width = sized_page
    base = live_server.url
    visit(page, f"{base}/login/", "login", width, screenshot_dir)
    visit(page, f"{base}/password-reset/", "password-reset", width, screenshot_dir)
    visit(page, f"{base}{agency_data['share']}", "share", width, screenshot_dir, charts=True)
    visit(page, f"{base}/no-such-page/", "404", width, screenshot_dir, status=404)
