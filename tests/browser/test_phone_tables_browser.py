"""Phones (390 px): no page scrolls sideways, every table is reachable to its last column and shows that it
scrolls, the navigation does not leave "Log out" alone on a line. Also the German staff pages.

Screenshots land in artifacts/screenshots/ (phone-*.png).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from kinsta_sync.models import Site, SyncRun
from kinsta_sync.sync import run_sync
from tests.conftest import login_in_browser
from tests.factories import add_points, assign, make_client, make_member, make_site
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD, persona_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "A very long site name from Kinsta " + "without-any-break-" * 6


@pytest.fixture
def agency_data(account):
    run_sync(account=account)
    sites = list(Site.objects.order_by("display_name"))
    acme = make_client("Acme Corp", slug="acme", brand_color="#0a7d5a")
    globex = make_client("Globex", slug="globex", language="de", timezone="Europe/Berlin")
    assign(sites[: len(sites) // 2 + 1], acme)
    assign(sites[len(sites) // 2 + 1 :], globex)
    odd = make_site(account, name="odd-long", display_name=LONG_NAME, labels=["long"], domains=["odd.example"])
    add_points(odd.live, metric="visits", days={day: 100 for day in persona_days()[-20:]})
    assign([odd], acme)
    error = {"step": "analytics", "endpoint": "/sites/x/analytics", "message": "boom"}
    SyncRun.objects.create(account=account, trigger="schedule", status="failed", errors=[error])
    user = get_user_model()
    user.objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True)
    alice = user.objects.create_user("alice", password=CLIENT_PASSWORD)
    make_member(alice, acme)
    return {"acme": acme, "globex": globex, "site": sites[0]}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="en-US")  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# Every table: inside a scroll wrapper that stays on the screen; scrolled to its end, the last column is
# visible; when it is wider than the wrapper, the wrapper says so (the `is-scrollable` shadow).
TABLES = """() => Array.from(document.querySelectorAll("main table")).map((table) => {
  const wrapper = table.closest(".table-scroll");
  if (!wrapper) return {wrapped: false, fits: table.getBoundingClientRect().right <= window.innerWidth + 1};
  wrapper.scrollLeft = wrapper.scrollWidth;
  const box = wrapper.getBoundingClientRect();
  const cells = table.querySelectorAll("tr:first-child > *");
  const last = cells[cells.length - 1].getBoundingClientRect();
  const wider = wrapper.scrollWidth > wrapper.clientWidth + 1;
  const result = {
    wrapped: true, wider: wider, scrollable: wrapper.classList.contains("is-scrollable"),
    hint: !!(wrapper.previousElementSibling && wrapper.previousElementSibling.classList.contains("scroll-hint")),
    overflow: getComputedStyle(wrapper).overflowX,
    onScreen: box.left >= -1 && box.right <= window.innerWidth + 1,
    lastVisible: last.right <= box.right + 1 && last.left >= box.left - 1,
  };
  wrapper.scrollLeft = 0;
  return result;
})"""


def check_phone_page(page, name: str, screenshot_dir) -> list[dict]:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshot_dir / f"phone-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    tables = page.evaluate(TABLES)
    assert tables, f"{name}: no table"
    for table in tables:
        assert table["wrapped"] or table["fits"], (name, table)
        if table["wrapped"]:
            assert table["onScreen"] and table["lastVisible"] and table["overflow"] in ("auto", "scroll"), (name, table)
            assert table["scrollable"] == table["wider"] == table["hint"], (name, table)
    return tables


def test_staff_pages_on_a_phone(phone, live_server, agency_data, screenshot_dir):
    login_in_browser(phone, live_server, "staff", STAFF_PASSWORD)
    pages = {"overview": "/", "sync": "/sync/", "report": "/clients/acme/",
             "site": f"/clients/acme/sites/{agency_data['site'].pk}/"}  # fmt: skip
    wide = 0
    for name, path in pages.items():
        phone.goto(f"{live_server.url}{path}")
        wide += sum(t.get("wider", False) for t in check_phone_page(phone, name, screenshot_dir))
    assert wide, "no table was wider than a phone: the test checked nothing that scrolls"
    phone.goto(f"{live_server.url}/sync/")
    phone.screenshot(path=str(screenshot_dir / "phone-sync-top.png"))


def test_the_navigation_does_not_leave_log_out_alone(phone, live_server, agency_data, screenshot_dir):
    login_in_browser(phone, live_server, "staff", STAFF_PASSWORD)
    phone.screenshot(path=str(screenshot_dir / "phone-nav-staff.png"))
    logout = phone.get_by_role("button", name="Log out").bounding_box()
    controls = phone.locator(".topnav a, .topnav select")
    others = [controls.nth(i).bounding_box() for i in range(controls.count())]
    assert others
    assert any(abs(box["y"] - logout["y"]) < box["height"] for box in others), (logout, others)
    assert logout["x"] + logout["width"] <= 390


def test_a_client_user_on_a_phone_reaches_every_table(phone, live_server, agency_data, screenshot_dir):
    login_in_browser(phone, live_server, "alice", CLIENT_PASSWORD)
    check_phone_page(phone, "client-report", screenshot_dir)
    phone.screenshot(path=str(screenshot_dir / "phone-client-top.png"))


def test_the_header_and_error_page_at_1366(browser, live_server, agency_data, screenshot_dir):
    from clients.models import AgencyBranding

    branding = AgencyBranding.get()
    branding.name = "Northpeak Digital"
    branding.save()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
        assert page.locator(".brand").inner_text() == "Northpeak Digital"
        assert page.title() == "Clients · Northpeak Digital"
        boxes = [page.locator(s).bounding_box() for s in (".topnav > a >> nth=0", "button:has-text('Log out')")]
        assert abs(boxes[0]["y"] - boxes[1]["y"]) < boxes[0]["height"]  # one line on a laptop
        page.screenshot(path=str(screenshot_dir / "desktop-overview.png"))
        assert page.goto(f"{live_server.url}/no-such-page/").status == 404
        page.screenshot(path=str(screenshot_dir / "desktop-404.png"))
        assert page.get_by_role("heading", name="Page not found").is_visible()
    finally:
        context.close()
