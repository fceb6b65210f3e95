"""Plotly figures built in Python: gaps stay gaps, the comparison lines up, many sites are grouped,
text is translated and numbers use the language's separators."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
from django.utils import translation

from dashboard.reports import chart_parts, chart_time, charts
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
    assert [t["name"] for t in bars] == ["Blog", "Shop &lt;b&gt;"]  # by name; escaped for plotly
    assert bars[1]["y"] == [10, 20, None, None, 50, 60, 70]
    assert figure["layout"]["barmode"] == "stack"
    (line,) = [t for t in figure["data"] if t["type"] == "scatter"]
    assert line["y"] == [9] * 7
    assert line["x"][0] == "Mar 1"  # drawn over the current days
    assert line["customdata"][0][0] == "Feb 22"  # but labelled with the comparison's dates
    json.dumps(figure)  # plain JSON, nothing plotly-specific


def test_days_without_any_data_are_shaded_and_labelled_no_data(report):
    figure = charts.visits_by_site(report)
    (shape,) = figure["layout"]["shapes"]
    assert (shape["x0"], shape["x1"]) == (1.5, 3.5)  # around the 3rd and 4th bar
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
    assert names[0] == "site-05"  # the nine biggest, listed by name
    assert names[-2] == "site-13"
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


# --- Read at a glance: the cards' units and dates, stable colours, long periods grouped ----------------------


def test_byte_axes_tick_in_the_cards_units_and_hover_says_the_same(report):
    from dashboard.reports.templatetags.reports import format_bytes

    figure = charts.bandwidth(report)
    axis = figure["layout"]["yaxis"]
    assert axis["title"]["text"] == "Bandwidth"  # what is measured, not "Bytes"
    assert axis["ticktext"][:2] == ["0 B", "20 B"]
    assert all(" " in text for text in axis["ticktext"])
    (bandwidth_line,) = [t for t in figure["data"] if t["name"] == "Bandwidth"]
    assert bandwidth_line["customdata"][0] == format_bytes(100) == "100 B"
    assert "%{customdata}" in bandwidth_line["hovertemplate"]
    layout: dict = {"yaxis": {"bytes": True}}
    chart_parts.byte_ticks(layout, [{"y": [None, 243_000_000_000]}])
    assert layout["yaxis"]["ticktext"] == ["0 GB", "50 GB", "100 GB", "150 GB", "200 GB", "250 GB"]
    layout = {"yaxis": {"bytes": True}}
    with translation.override("de"):
        chart_parts.byte_ticks(layout, [{"y": [12_000_000_000]}])
    assert layout["yaxis"]["ticktext"][:3] == ["0,0 GB", "2,5 GB", "5,0 GB"]


def test_dates_on_axes_and_hover_are_the_languages_short_form(report):
    figure = charts.visits_by_site(report)
    axis = figure["layout"]["xaxis"]
    assert axis["ticktext"][0] == "Mar 1" and axis["ticktext"][-1] == "Mar 7"  # the last day shows
    assert figure["data"][0]["x"][0] == "Mar 1"  # hover's heading
    assert axis["range"][0] < -0.4 and axis["range"][1] > 6.4  # first and last labels clear of the edges
    with translation.override("de"):
        german = charts.visits_by_site(report)
    assert german["layout"]["xaxis"]["ticktext"][0] == "1. März"
    assert chart_time.short_date(date(2026, 11, 1)) == "Nov 1"
    with translation.override("de"):
        assert chart_time.short_date(date(2026, 11, 1)) == "1. Nov."


def test_the_remembered_labels_and_numbers_are_django_s_own_in_each_language():
    """chart_parts remembers day labels, buckets, x values and separators per language (they were most of the
    charts' time): whatever was asked first, each language gets what Django's formatting gives it."""
    from django.utils import formats

    days = tuple(D + timedelta(days=i) for i in range(120))  # weekly buckets, cut weeks at both ends
    for language in ("en", "de", "en", "de"):
        with translation.override(language):
            expected = [
                chart_time.bucket_label(part, chart_time.grain(days)) for part in chart_time._buckets.__wrapped__(days)
            ]
            assert chart_time.x_values(days) == expected
            assert chart_time.short_date(D) == formats.date_format(D, "j. N" if language == "de" else "M j")
            for value in (999, 1_234_567, 22_749_999_999, 243_000_000_000):
                size, decimals, unit = chart_parts.scale_bytes(value)
                number = formats.number_format(size, decimals, use_l10n=True, force_grouping=True)
                assert chart_parts.format_bytes(value) == f"{number} {unit}"


def test_a_site_keeps_its_colour_and_legend_place_whatever_its_visits_this_period():
    account = make_account()
    client = make_client("Stable")
    alpha = make_site(account, name="alpha", display_name="Alpha")
    beta = make_site(account, name="beta", display_name="Beta")
    later = Period(D + timedelta(days=7), D + timedelta(days=13))
    add_points(alpha.live, metric="visits", days=series([1] * 7))
    add_points(beta.live, metric="visits", days=series([100] * 7))
    add_points(alpha.live, metric="visits", days={later.start + timedelta(days=i): 500 for i in range(7)})
    add_points(beta.live, metric="visits", days={later.start + timedelta(days=i): 5 for i in range(7)})
    assign([alpha, beta], client)

    def colours(period: Period) -> list[tuple[str, str]]:
        figure = charts.visits_by_site(client_report(client=client, period=period, compare=None, audience="staff"))
        return [(t["name"], t["marker"]["color"]) for t in figure["data"]]

    assert colours(PERIOD) == colours(later) == [("Alpha", chart_parts.PALETTE[0]), ("Beta", chart_parts.PALETTE[1])]


def long_report(days: int, compare: str = "previous"):  # type: ignore[no-untyped-def]
    account = make_account()
    client = make_client(f"Long {days}")
    site = make_site(account, name="shop", display_name="Shop")
    period = Period(date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=days - 1))
    previous = comparison_period(period, compare)
    every = [previous.start + timedelta(days=i) for i in range((period.end - previous.start).days + 1)]
    add_points(site.live, metric="visits", days={d: 10 for d in every})
    add_points(site.live, metric="bandwidth", days={d: 10**9 for d in every})
    add_points(site.live, metric="cdn_bandwidth", days={d: 10**8 for d in every})
    add_points(site.live, metric="disk_usage", days={d: d.toordinal() for d in every})
    assign([site], client)
    return client_report(client=client, period=period, compare=previous, audience="staff")


def test_ninety_days_are_drawn_per_week_and_a_year_per_month_comparison_included():
    quarter = long_report(90)
    figure = charts.visits_by_site(quarter)
    (bars,) = [t for t in figure["data"] if t["type"] == "bar"]
    assert len(bars["x"]) == 14  # 1 Jan 2025 is a Wednesday: 13 whole weeks and two partial ones
    assert bars["y"][0] == 50 and bars["y"][1] == 70  # Wed-Sun, then a whole week
    assert bars["marker"]["opacity"][:2] == [0.45, 1.0]  # the cut week is drawn lighter
    assert bars["x"][1] == "Jan 6 \u2013 Jan 12"
    assert figure["layout"]["title"]["text"] == "Visits per week (live sites)"
    (comparison,) = [t for t in figure["data"] if t["type"] == "scatter"]
    assert len(comparison["y"]) == 14 and comparison["y"][1] == 70  # grouped the same way

    year = long_report(365)
    visits = charts.visits_by_site(year)
    (bars,) = [t for t in visits["data"] if t["type"] == "bar"]
    assert bars["x"][0] == "January 2025" and len(bars["x"]) == 12
    assert bars["y"][0] == 310
    # Bandwidth and disk show the comparison too, per month; disk is the month's latest reading.
    band = charts.bandwidth(year)
    assert [t["name"] for t in band["data"] if t.get("legendgroup") == "comparison"] == [
        "Bandwidth, Jan 2 to Dec 31 (comparison)",  # 2024 is a leap year
        "CDN bandwidth, Jan 2 to Dec 31 (comparison)",
    ]
    disk = charts.disk_by_site(year)
    (site_line,) = [t for t in disk["data"] if t["name"] == "Shop"]
    assert site_line["y"][0] == date(2025, 1, 31).toordinal()
    assert any(t.get("legendgroup") == "comparison" for t in disk["data"])


def test_date_ticks_are_evenly_spread_and_end_on_the_last_day():
    for n in (1, 2, 7, 14, 30, 89, 365):
        ticks = chart_time._tick_indexes(n)
        assert ticks[-1] == n - 1 and len(ticks) <= chart_time.MAX_DATE_TICKS
        gaps = {b - a for a, b in itertools.pairwise(ticks)}
        assert len(gaps) <= 1  # a whole step apart: never two labels squeezed together
        assert ticks[0] < max(gaps, default=1)  # and the first near the start
