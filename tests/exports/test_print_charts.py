"""Charts for paper: the SVG Chromium draws, made lighter for WeasyPrint, still draws the same."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard.exports.chromium import chart_renderer
from dashboard.exports.print_charts import lighten_svg, print_figure
from dashboard.reports import charts
from dashboard.reports.periods import Period
from dashboard.reports.selectors import client_report
from tests.system_packages import CHROMIUM_PATH, require

CHROMIUM = CHROMIUM_PATH


def needs_chromium() -> None:
    require("chromium")


def last_30_days() -> Period:
    yesterday = date.today() - timedelta(days=1)
    return Period(yesterday - timedelta(days=29), yesterday)


# plotly's shape for a bar trace: one group per bar, and empty layer groups around it.
PLOTLY_LIKE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50">
<defs><g class="clips"><clipPath id="clip1"><rect width="90" height="40"/></clipPath></g><g class="gradients"/></defs>
<g class="bglayer"/><g class="layer-below"><g class="imagelayer"/><g class="shapelayer"/></g>
<g class="overplot"><g class="xy" transform="translate(5,5)" clip-path="url(#clip1)">
<g class="trace bars" style="opacity: 1;"><g class="points">
<g class="point"><path d="M1,40V30H9V40Z" style="fill: rgb(0, 114, 178);"/></g>
<g class="point"><path d="M11,40V20H19V40Z" style="fill: rgb(0, 114, 178);"/></g>
<g class="point"><path d="M21,40V10H29V40Z" style="fill: rgb(0, 114, 178);"/></g>
</g></g>
<g class="trace bars"><g class="points">
<g class="point"><path d="M1,30V25H9V30Z" style="fill: red;"/></g>
<g class="point"><path d="M11,20V15H19V20Z" style="fill: blue;"/></g>
</g></g>
<g class="trace bars"><g class="points">
<g class="point" transform="translate(1,0)"><path d="M1,25V20H9V25Z" style="fill: green;"/></g>
<g class="point"><path d="M11,15V5H19V15Z" style="fill: green;"/></g>
</g></g>
</g></g>
<g class="infolayer"><g class="legend"><text class="legendtext">LEGEND</text></g></g>
<path class="xlines-below"/>
</svg>""".replace(b"LEGEND", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 東京".encode())


def svg_nodes(svg: bytes) -> list[str]:
    from defusedxml.ElementTree import fromstring

    return [node.tag.rsplit("}", 1)[-1] for node in fromstring(svg).iter()]


def svg_drawing(svg: bytes) -> tuple[list[tuple[str, str]], list[str]]:
    """What an SVG draws, whatever its grouping: every (style, sub-path) in order, and every text."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(svg)
    shapes = [
        (path.get("style", ""), "M" + part)
        for path in root.iter("{http://www.w3.org/2000/svg}path")
        for part in path.get("d", "").split("M")
        if part
    ]
    texts = ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]
    return shapes, texts


def test_lighten_svg_merges_each_traces_bars_and_drops_empty_groups():
    light = lighten_svg(PLOTLY_LIKE_SVG)
    assert svg_drawing(light) == svg_drawing(PLOTLY_LIKE_SVG)
    # The first trace's three bars are one path now; the clip path, transform and the legend's text stay.
    assert b'd="M1,40V30H9V40ZM11,40V20H19V40ZM21,40V10H29V40Z"' in light
    assert b'clip-path="url(#clip1)"' in light and b'transform="translate(5,5)"' in light
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 東京".encode() in light
    # Bars of different colours, or with a transform of their own, stay apart.
    assert b"fill: red" in light and b"fill: blue" in light
    assert light.count(b'class="point"') == 4
    nodes = svg_nodes(light)
    assert len(nodes) < len(svg_nodes(PLOTLY_LIKE_SVG))
    assert "gradients" not in light.decode() and "imagelayer" not in light.decode()
    assert light.count(b"<path") == 1 + 2 + 2


def test_lighten_svg_leaves_what_it_cannot_read_alone():
    assert lighten_svg(b"<svg><g>") == b"<svg><g>"
    # Entity declarations are refused (defusedxml), never expanded.
    bomb = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg>&b;</svg>'
    assert lighten_svg(bomb) == bomb


@pytest.mark.slow
@pytest.mark.django_db
def test_lightened_charts_draw_the_same_as_chromiums(hostile, settings):
    needs_chromium()
    report = client_report(audience="staff", client=hostile, period=last_30_days(), compare=None)
    figures = [print_figure(chart["figure"], language="en") for chart in charts.client_charts(report)]
    svgs = chart_renderer().render_svgs(figures, path=CHROMIUM, timeout=60)
    for svg in svgs:
        light = lighten_svg(svg)
        assert svg_drawing(light) == svg_drawing(svg)
    stacked = svgs[0]
    assert len(svg_nodes(lighten_svg(stacked))) < len(svg_nodes(stacked)) / 2


def test_print_figures_keep_the_comparisons_name_whole_and_label_the_last_day():
    long_name = "Shop " + "x" * 80
    figure = {
        "data": [
            {"type": "bar", "name": long_name, "x": ["Nov 1", "Nov 2"], "y": [1, 2]},
            {"type": "scatter", "name": "Bandwidth, Oct 1 to Oct 31 (comparison)", "legendgroup": "comparison",
             "x": ["Nov 1", "Nov 2"], "y": [1, 2]},
        ],
        "layout": {"xaxis": {"tickvals": ["Nov 1", "Nov 2"], "ticktext": ["Nov 1", "Nov 2"], "range": [-0.5, 1.5]}},
    }  # fmt: skip
    printed = print_figure(figure, language="de")
    names = [trace["name"] for trace in printed["data"]]
    assert names[0].endswith("…") and len(names[0]) <= 36
    assert names[1] == "Bandwidth, Oct 1 to Oct 31 (comparison)"  # not "(compariso…"
    # Ticks are the figure's own (in the client's language), the last day among them; no d3 date format.
    assert printed["layout"]["xaxis"]["ticktext"][-1] == "Nov 2"
    assert "tickformat" not in printed["layout"]["xaxis"]
    assert printed["layout"]["margin"]["r"] >= 20
