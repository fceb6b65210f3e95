"""The report pages in Debian's Chromium: charts drawn, period and comparison switched through the URL,
hostile names shown as text, a phone layout without sideways scrolling, and a sync's live progress.

Screenshots land in artifacts/screenshots/ (dashboard-*.png) for people to look at.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from clients.models import Client
from kinsta_sync.models import Site, SyncRun
from kinsta_sync.sync import run_sync
from tests.conftest import login_in_browser
from tests.factories import add_points, assign, make_client, make_member, make_site
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD, STAFF_PERMISSIONS, grant, persona_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = ["<script>alert(1)</script>", '=HYPERLINK("http://evil.example","x")', '"><img src=x onerror=alert(2)>']
LONG_NAME = "A very long site name from Kinsta " + "without-any-break-" * 6


@pytest.fixture
def agency_data(account):
    """The fake Kinsta's agency synced over HTTP, split over two clients, plus hostile and long names."""
    run_sync(account=account)
    sites = list(Site.objects.order_by("display_name"))
    acme = make_client("Acme Corp", slug="acme", brand_color="#0a7d5a")
    globex = make_client("Globex", slug="globex", language="de", timezone="Europe/Berlin")
    assign(sites[: len(sites) // 2 + 1], acme)
    assign(sites[len(sites) // 2 + 1 :], globex)
    for i, name in enumerate([*HOSTILE, LONG_NAME]):
        site = make_site(account, name=f"odd-{i}", display_name=name, labels=[name[:40]], domains=[f"odd{i}.example"])
        add_points(site.live, metric="visits", days={day: 100 + i for day in persona_days()[-20:]})
        assign([site], acme)
    user = get_user_model()
    grant(user.objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True), *STAFF_PERMISSIONS)
    alice = user.objects.create_user("alice", password=CLIENT_PASSWORD)
    make_member(alice, acme)
    bob = user.objects.create_user("bob", password=CLIENT_PASSWORD)
    make_member(bob, globex)
    return {"acme": acme, "globex": globex}


def watch_dialogs(page) -> list[str]:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def charts_drawn(page) -> int:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#chart-visits .main-svg")
    page.wait_for_selector("#chart-disk .main-svg")
    # The report's own charts (a section such as traffic quality may draw one more, below them).
    return page.locator("section.charts .plot", has=page.locator(".main-svg")).count()


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_staff_open_the_overview_and_a_report_and_switch_periods(page, live_server, agency_data, screenshot_dir):
    dialogs = watch_dialogs(page)
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    assert page.url == f"{live_server.url}/"
    rows = page.locator("table.overview tbody tr")
    assert rows.count() == 2
    assert page.locator("table.overview svg polyline").count() >= 1  # trend lines
    assert page.get_by_text("Sync health").is_visible()
    page.screenshot(path=str(screenshot_dir / "dashboard-overview.png"), full_page=True)

    page.get_by_role("link", name="Visits").click()
    page.wait_for_url(re.compile(r"sort=visits"))
    page.get_by_role("link", name="Acme Corp").click()
    page.wait_for_url(re.compile(r"/clients/acme/\?period=30d&compare=previous"))
    assert charts_drawn(page) == 3
    # Every hostile name is on the page as text, and nothing ran.
    for name in HOSTILE:
        assert page.get_by_text(name, exact=True).first.is_visible()
    assert page.locator("img[src=x]").count() == 0
    page.screenshot(path=str(screenshot_dir / "dashboard-report.png"), full_page=True)

    page.select_option("#id_period", "7d")
    page.wait_for_url(re.compile(r"period=7d"))
    assert charts_drawn(page) == 3
    assert page.locator("#id_period").input_value() == "7d"

    page.select_option("#id_compare", "year")
    page.wait_for_url(re.compile(r"period=7d.*compare=year|compare=year.*period=7d"))
    assert page.locator("#id_compare").input_value() == "year"
    assert charts_drawn(page) == 3

    page.select_option("#id_compare", "none")
    page.wait_for_url(re.compile(r"compare=none"))
    assert page.locator(".kpi-change").count() == 0

    # A custom range: choosing it reveals the dates, which the Show button submits.
    page.select_option("#id_period", "custom")
    assert page.locator("#id_start").is_visible()
    days = persona_days()
    page.fill("#id_start", days[-14].isoformat())
    page.fill("#id_end", days[-1].isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"start={days[-14].isoformat()}"))
    assert charts_drawn(page) == 3
    assert page.locator("#id_period").input_value() == "custom"

    # A broken range in the URL is a message, not an error page.
    response = page.goto(f"{live_server.url}/clients/acme/?start=2026-02-30&end=2026-03-01")
    assert response.status == 400
    assert page.get_by_role("alert").is_visible()
    assert dialogs == []


def test_the_site_page_draws_its_charts(page, live_server, agency_data, screenshot_dir):
    dialogs = watch_dialogs(page)
    site = Site.objects.filter(environments__is_live=False, assignment__isnull=False).select_related(
        "assignment__client"
    )[0]
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/clients/{site.assignment.client.slug}/sites/{site.pk}/?period=90d")
    assert charts_drawn(page) == 3
    assert page.get_by_role("heading", name="Environments").is_visible()
    page.screenshot(path=str(screenshot_dir / "dashboard-site.png"), full_page=True)
    hostile = Site.objects.get(name="odd-0")
    page.goto(f"{live_server.url}/clients/acme/sites/{hostile.pk}/")
    assert page.get_by_role("heading", name=HOSTILE[0]).is_visible()
    assert dialogs == []


def test_a_client_user_on_a_phone(browser, live_server, agency_data, screenshot_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="en-US")  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs = watch_dialogs(page)
    try:
        login_in_browser(page, live_server, "alice", CLIENT_PASSWORD)
        assert page.url.startswith(f"{live_server.url}/clients/acme/")
        assert charts_drawn(page) == 3
        assert no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir / "dashboard-report-phone.png"), full_page=True)
        page.screenshot(path=str(screenshot_dir / "dashboard-report-phone-top.png"))
        # The client user has no staff navigation and cannot reach another client.
        assert page.get_by_role("link", name="Sync").count() == 0
        assert page.goto(f"{live_server.url}/clients/globex/").status == 404
        assert dialogs == []
    finally:
        context.close()


def test_a_german_client_sees_german(page, live_server, agency_data, screenshot_dir):
    login_in_browser(page, live_server, "bob", CLIENT_PASSWORD)
    assert page.url.startswith(f"{live_server.url}/clients/globex/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Was die Zahlen bedeuten").is_visible()
    charts_drawn(page)
    # Plotly's axis uses German month names.
    ticks = page.locator("#chart-visits .xtick text").all_inner_texts()
    assert ticks, "no x-axis ticks"
    page.screenshot(path=str(screenshot_dir / "dashboard-report-de.png"), full_page=True)


def test_the_sync_page_follows_a_running_sync(page, live_server, agency_data, screenshot_dir):
    account = Site.objects.first().account
    run = SyncRun.objects.create(account=account, trigger="admin", current_step="analytics", progress_done=2,
                                 progress_total=10)  # fmt: skip
    # A live run holds its account's lease (renewed every few seconds); without it the run shows as stopped.
    type(account).objects.filter(pk=account.pk).update(sync_lease_until=timezone.now() + timedelta(minutes=2))
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/sync/")
    progress = page.locator(f'[data-progress-run="{run.pk}"]').first
    assert progress.locator("[data-progress-text]").inner_text() == "2 / 10"
    assert page.get_by_role("button", name="Sync now").is_disabled()
    page.screenshot(path=str(screenshot_dir / "dashboard-sync-running.png"), full_page=True)
    # The page polls: progress moves, and when the run ends the page reloads without it.
    SyncRun.objects.filter(pk=run.pk).update(progress_done=7)
    # A selector, not wait_for_function: the page's Content-Security-Policy forbids evaluating strings.
    page.wait_for_selector("[data-progress-text]:text-is('7 / 10')", timeout=10_000)
    SyncRun.objects.filter(pk=run.pk).update(status="success", current_step="")
    page.wait_for_selector("[data-progress-run]", state="detached", timeout=10_000)
    assert page.get_by_role("button", name="Sync now").is_enabled()
    # "Sync now" queues a run and says so.
    page.get_by_role("button", name="Sync now").click()
    assert page.get_by_text("is queued").is_visible()
    assert Client.objects.count() == 2


def test_after_sync_now_the_page_follows_the_queued_run_to_its_end(page, live_server, agency_data, screenshot_dir):
    account = Site.objects.first().account
    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/sync/")
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_url(re.compile(r"/sync/\?queued="))
    card = page.locator(f'[data-account="{account.pk}"]')
    assert card.locator("[data-queued]").is_visible()
    page.screenshot(path=str(screenshot_dir / "dashboard-sync-queued.png"), full_page=True)
    # A worker picks the task up (here: the test writes what the worker would), and the page shows the run
    # without a reload by hand, then its end.
    run = SyncRun.objects.create(account=account, trigger="admin", current_step="sites", progress_done=1,
                                 progress_total=4)  # fmt: skip
    type(account).objects.filter(pk=account.pk).update(sync_lease_until=timezone.now() + timedelta(minutes=2))
    page.wait_for_selector(f'[data-account="{account.pk}"] [data-progress-run="{run.pk}"]', timeout=10_000)
    assert page.url == f"{live_server.url}/sync/"
    assert card.locator("[data-queued]").count() == 0
    page.screenshot(path=str(screenshot_dir / "dashboard-sync-queued-running.png"), full_page=True)
    SyncRun.objects.filter(pk=run.pk).update(status="success", current_step="", progress_done=4,
                                             finished_at=timezone.now())  # fmt: skip
    page.wait_for_selector("[data-progress-run]", state="detached", timeout=10_000)
    assert page.locator("table.runs tbody tr").first.locator(".badge.status-success").is_visible()
    assert page.get_by_role("button", name="Sync now").is_enabled()
    page.screenshot(path=str(screenshot_dir / "dashboard-sync-queued-done.png"), full_page=True)


PLOTLY_MARKUP = ['<a href="https://evil.example">Invoice overdue</a>', '<span style="font-size:80px">HUGE</span>']


def test_markup_in_site_names_shows_literally_in_the_charts_of_the_report_and_the_share_page(
    page, live_server, screenshot_dir
):
    from dashboard.delivery.sharing import create_share_link, share_path
    from tests.factories import make_account

    account = make_account()
    client = make_client("Markup", slug="markup")
    sites = [make_site(account, name=f"m{i}", display_name=name) for i, name in enumerate(PLOTLY_MARKUP)]
    for i, site in enumerate(sites):
        add_points(site.live, metric="visits", days={day: 50 + i for day in persona_days()[-20:]})
    assign(sites, client)
    staff = get_user_model().objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True)
    link = create_share_link(client=client, query={"period": "30d"}, days=7, created_by=staff)

    def check_legend() -> None:
        page.wait_for_selector("#chart-visits .main-svg")
        legend = page.locator("#chart-visits .legendtext").all_text_contents()
        assert '<a href="https://evil.example">Invoice…' in legend  # cut to 40 characters, shown as written
        assert '<span style="font-size:80px">HUGE</span>' in legend
        # No link and no styled span was made of a name anywhere in the charts.
        assert page.locator(".plot-container a").count() == 0
        assert page.locator(".plot-container [style*='80px']").count() == 0

    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/clients/markup/?period=30d")
    check_legend()
    page.screenshot(path=str(screenshot_dir / "dashboard-report-markup-names.png"), full_page=True)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{share_path(link)}")
    check_legend()
