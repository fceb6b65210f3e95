"""Plotly figures built in Python: gaps stay gaps, the comparison lines up, many sites are grouped,
text is translated and numbers use the language's separators."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import translation

from dashboard.reports import chart_parts, charts
from dashboard.reports.periods import Period, comparison_period
from dashboard.reports.selectors import client_report, site_report
from tests.factories import add_points, assign, make_account, make_client, make_site

pytestmark = pytest.mark.django_db

D = date(2026, 3, 1)
PERIOD = Period(D, D + timedelta(days=6))


def series(values):  # type: ignore[no-untyped-def]
    return {D + timedelta(days=i): v for i, v in enumerate(values) if v is not None}


@pytest.fixture
def report():
    account = make_account()
    client = make_client("Acme")
    shop = make_site(account, name="shop", display_name="Shop <b>", staging=True)
    blog = make_site(account, name="blog", display_name="Blog")
    add_points(shop.live, metric="visits", days=series([10, 20, None, None, 50, 60, 70]))
    add_points(blog.live, metric="visits", days=series([1, 2, None, None, 5, 6, None]))
    add_points(shop.live, metric="bandwidth", days=series([100] * 7))
    add_points(shop.staging, metric="visits", days=series([3] * 7))
    previous = comparison_period(PERIOD, "previous")
    add_points(shop.live, metric="visits", days={previous.start + timedelta(days=i): 9 for i in range(7)})
    assign([shop, blog], client)
    return client_report(audience="staff", client=client, period=PERIOD, compare=previous)


def test_visits_are_stacked_by_site_with_the_comparison_overlaid(report):
    figure = charts.visits_by_site(report)
    bars = [t for t in figure["data"] if t["type"] == "bar"]
    assert [t["name"] for t in bars] == ["Shop &lt;b&gt;", "Blog"]  # biggest first; escaped for plotly
    assert bars[0]["y"] == [10, 20, None, None, 50, 60, 70]
    assert figure["layout"]["barmode"] == "stack"
    (line,) = [t for t in figure["data"] if t["type"] == "scatter"]
    assert line["y"] == [9] * 7
    assert line["x"][0] == "2026-03-01"  # drawn over the current days
    assert line["customdata"][0] == "02/22/2026"  # but labelled with the comparison's dates
    json.dumps(figure)  # plain JSON, nothing plotly-specific


def test_days_without_any_data_are_shaded_and_labelled_no_data(report):
    figure = charts.visits_by_site(report)
    (shape,) = figure["layout"]["shapes"]
    assert shape["x0"] == "2026-03-02 12:00:00" and shape["x1"] == "2026-03-04 12:00:00"
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["no data"]
    # The bandwidth chart has data every day: no shading.
    assert charts.bandwidth(report)["layout"]["shapes"] == []


def test_a_chart_without_any_data_says_so(report):
    figure = charts.disk_by_site(report)
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["No data for this period"]
    assert all(value is None for trace in figure["data"] for value in trace["y"])


def test_many_sites_are_grouped_into_other_sites():
    account = make_account()
    client = make_client("Big")
    sites = []
    for i in range(14):
        site = make_site(account, name=f"site-{i:02d}")
        add_points(site.live, metric="visits", days=series([i + 1] * 7))
        add_points(site.live, metric="disk_usage", days=series([i + 1] * 7))
        sites.append(site)
    assign(sites, client)
    report = client_report(audience="staff", client=client, period=PERIOD, compare=None)
    figure = charts.visits_by_site(report)
    names = [t["name"] for t in figure["data"]]
    assert len(names) == chart_parts.MAX_SERIES + 1
    assert names[0] == "site-13"
    assert names[-1] == "5 other sites"
    assert figure["data"][-1]["y"] == [1 + 2 + 3 + 4 + 5] * 7
    disk = charts.disk_by_site(report)
    assert len(disk["data"]) == chart_parts.MAX_SERIES + 1
    assert "largest of 14" in disk["layout"]["title"]["text"]


def test_text_and_separators_follow_the_language(report):
    with translation.override("de"):
        figure = charts.bandwidth(report)
        assert charts.plotly_locale() == "de"
    assert figure["layout"]["separators"] == ",."
    assert figure["layout"]["title"]["text"] == "Bandbreite pro Tag (Live-Websites)"
    assert charts.bandwidth(report)["layout"]["separators"] == ".,"


def test_site_charts_show_every_environment(report):
    site = report.sites[1]
    account_client = report.client
    from clients.models import Client

    client = Client.objects.get(pk=account_client.id)
    site_data = site_report(client=client, site_id=site.id, period=PERIOD, compare=None)
    figures = charts.site_charts(site_data)
    assert [c["id"] for c in figures] == ["chart-visits", "chart-bandwidth", "chart-disk"]
    visits = figures[0]["figure"]["data"]
    assert [(t["name"], t["type"]) for t in visits] == [("Live", "bar"), ("Staging", "scatter")]


def test_sparkline_splits_at_gaps():
    assert charts.sparkline([]) == []
    assert charts.sparkline([None, None]) == []
    segments = charts.sparkline([1, 2, None, 4, 5], width=100, height=20, pad=0)
    assert segments == ["0.0,20.0 25.0,15.0", "75.0,5.0 100.0,0.0"]
    # A lone day between gaps still draws a (tiny) segment; a flat line sits in the middle.
    assert charts.sparkline([None, 3, None], width=10, height=10, pad=0) == ["5.0,5.0 6.0,5.0"]


def test_a_site_keeps_its_colour_across_charts_and_long_names_are_cut_in_legends():
    account = make_account()
    client = make_client("Colours")
    small = make_site(account, name="small", display_name="Small " + "x" * 80)
    big = make_site(account, name="big", display_name="Big")
    add_points(small.live, metric="visits", days=series([1] * 7))
    add_points(small.live, metric="disk_usage", days=series([900] * 7))
    add_points(big.live, metric="visits", days=series([100] * 7))
    add_points(big.live, metric="disk_usage", days=series([10] * 7))
    assign([small, big], client)
    report = client_report(audience="staff", client=client, period=PERIOD, compare=None)
    visits = {t["name"]: t["marker"]["color"] for t in charts.visits_by_site(report)["data"]}
    disk = {t["name"]: t["line"]["color"] for t in charts.disk_by_site(report)["data"]}
    assert visits == disk
    assert visits["Big"] == chart_parts.PALETTE[0]
    (long_name,) = [name for name in visits if name.startswith("Small")]
    assert len(long_name) == chart_parts.LEGEND_CHARS and long_name.endswith("…")


MARKUP_NAMES = [
    '<a href="https://evil.example">Pay</a>',
    '<span style="x:y">B</span>&<b>b</b>',
]


def test_names_from_kinsta_reach_plotly_escaped_so_they_show_literally():
    """plotly reads <a href>, <span style> and <b> in trace names: every string it gets is escaped."""
    account = make_account()
    client = make_client("Markup")
    sites = [make_site(account, name=f"m{i}", display_name=name) for i, name in enumerate(MARKUP_NAMES)]
    for site in sites:
        add_points(site.live, metric="visits", days=series([5] * 7))
        add_points(site.live, metric="disk_usage", days=series([5] * 7))
    assign(sites, client)
    report = client_report(
        audience="staff", client=client, period=PERIOD, compare=comparison_period(PERIOD, "previous")
    )
    site = site_report(client=client, site_id=sites[0].id, period=PERIOD, compare=None)
    figures = [figure for chart in charts.client_charts(report) for figure in [chart["figure"]]]
    figures += [chart["figure"] for chart in charts.site_charts(site)]
    names = [trace["name"] for figure in figures for trace in figure["data"]]
    assert '&lt;a href="https://evil.example"&gt;Pay&lt;/a&gt;' in names
    assert '&lt;span style="x:y"&gt;B&lt;/span&gt;&amp;&lt;b&gt;b&lt;/b&gt;' in names
    texts = json.dumps([figure["layout"] for figure in figures]) + json.dumps(names)
    assert "<a" not in texts and "<span" not in texts and "<b>" not in texts
    # Cut names never end inside an entity.
    assert chart_parts.plotly_text_shortened("<" * 50, 10) == "&lt;" * 9 + "…"
