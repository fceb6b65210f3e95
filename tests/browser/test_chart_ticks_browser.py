"""Date labels under the charts never run into each other, on a phone as on a desktop, and the last day
stays labelled (static/js/charts.js thins the server's ticks to the chart's width)."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import login_in_browser
from tests.personas import CLIENT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tick_boxes(page, chart: str) -> list[dict]:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"#{chart} .main-svg")
    return page.eval_on_selector_all(
        f"#{chart} .xtick text",
        "nodes => nodes.map(n => { const b = n.getBoundingClientRect(); "
        "return {text: n.textContent, left: b.left, right: b.right}; })",
    )


@pytest.mark.parametrize("width", [390, 1366])
def test_date_labels_do_not_overlap_and_the_last_day_is_labelled(browser, live_server, client_a, client_a_user, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        login_in_browser(page, live_server, client_a_user.username, CLIENT_PASSWORD)
        page.goto(f"{live_server.url}/clients/acme/?period=30d")
        for chart in ("chart-visits", "chart-bandwidth"):
            boxes = [box for box in tick_boxes(page, chart) if box["text"]]
            assert len(boxes) >= 2, (chart, boxes)
            for before, after in itertools.pairwise(boxes):
                assert before["right"] <= after["left"], (chart, width, before, after)
        data = page.evaluate("JSON.parse(document.getElementById('chart-visits-data').textContent)")
        assert boxes[-1]["text"] == data["layout"]["xaxis"]["ticktext"][-1]  # the last day keeps its label
    finally:
        context.close()
