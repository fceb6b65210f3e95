"""In Chromium the report, site and share pages load plotly.js's basic bundle, never the full one, and draw
their charts with it, German dates and numbers included (static/js/charts.js registers the locale itself).

How production sends the files (compressed, cached for a year) is in tests/reports/test_static_assets.py;
the live server here serves them from the finders, as development does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.delivery.sharing import create_share_link, share_path
from kinsta_sync.models import Site
from tests.conftest import login_in_browser
from tests.factories import assign, make_client, make_member, make_user
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

README = Path(__file__).resolve().parents[2] / "static" / "js" / "vendor" / "README.md"
GERMAN_MONTHS = {"Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"}

# A chart over a known year, drawn in the page with the "de" locale: March, May, October and December are
# spelled differently in German, and 1500 is "1.500,0".
DRAW_GERMAN = """async () => {
  const el = document.createElement("div");
  document.body.append(el);
  await Plotly.newPlot(el, [{type: "scatter", x: ["2025-03-01", "2025-12-31"], y: [1500, 2000]}],
    {xaxis: {type: "date", tickformat: "%d %b", dtick: "M1"}, yaxis: {tickformat: ",.1f"}, separators: ",."},
    {locale: "de"});
  return [...el.querySelectorAll(".xtick text, .ytick text")].map((tick) => tick.textContent);
}"""


def scripts_loaded(page, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of the scripts the page fetched, once its charts are drawn."""
    scripts: list[str] = []

    def record(request) -> None:  # type: ignore[no-untyped-def]
        if request.resource_type == "script":
            scripts.append(request.url.rsplit("/", 1)[1])

    page.on("request", record)
    try:
        assert page.goto(url).status == 200, url
        page.wait_for_selector("#chart-visits .main-svg")
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("request", record)
    return scripts


def test_the_report_site_and_share_pages_load_the_basic_bundle_not_the_full_one(
    page, live_server, client_a, staff_user
):
    version = re.search(r"^- Version: (\S+)$", README.read_text(), re.MULTILINE).group(1)  # type: ignore[union-attr]
    site = Site.objects.get(name="acme-shop")
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=staff_user)
    login_in_browser(page, live_server, staff_user.username, STAFF_PASSWORD)
    for path in ("/clients/acme/?period=30d", f"/clients/acme/sites/{site.pk}/", share_path(link)):
        scripts = scripts_loaded(page, f"{live_server.url}{path}")

        assert [name for name in scripts if "plotly" in name] == ["plotly-basic.min.js"], (path, scripts)
        assert page.evaluate("Plotly.version") == version, path
        assert page.locator(".plot", has=page.locator(".main-svg")).count() >= 2, path


def test_the_basic_bundle_draws_german_dates_and_numbers(page, live_server, unmapped_site):
    initech = make_client("Initech", slug="initech", language="de")
    assign([unmapped_site], initech)
    make_member(make_user("ingrid", password=CLIENT_PASSWORD), initech)  # client users see the client's language
    login_in_browser(page, live_server, "ingrid", CLIENT_PASSWORD)
    page.goto(f"{live_server.url}/clients/initech/?period=90d")
    page.wait_for_selector("#chart-visits .main-svg")

    on_the_page = page.locator("#chart-visits .xtick text").all_text_contents()
    # The report's own ticks are German short dates written in Python (dashboard.reports.chart_parts).
    german_day = re.compile(r"^\d{1,2}\. (Jan\.|Feb\.|März|April|Mai|Juni|Juli|Aug\.|Sept\.|Okt\.|Nov\.|Dez\.)$")
    assert on_the_page and all(german_day.match(tick) for tick in on_the_page), on_the_page
    drawn = page.evaluate(DRAW_GERMAN)
    assert {"Mär", "Mai", "Okt", "Dez"} <= {tick.split(" ")[-1] for tick in drawn if " " in tick}, drawn
    assert "1.500,0" in drawn, drawn
