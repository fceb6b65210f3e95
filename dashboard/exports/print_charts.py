"""The report page's plotly figures made for paper: restyled for print (`print_figure`), and the SVG that
Chromium draws made lighter for WeasyPrint (`lighten_svg`)."""

from __future__ import annotations

import copy
import html
import logging
from typing import Any

from dashboard.reports import chart_parts

logger = logging.getLogger(__name__)

# A4 portrait with 16 mm side margins leaves 178 mm; plotly's pixels are CSS pixels (96 per inch).
CHART_WIDTH_PX = 672
CHART_HEIGHT_PX = 300
# Legend entries longer than this are cut (the site table has the full names).
LEGEND_NAME_CHARS = 36
# Fonts with Latin, Greek, Cyrillic, Arabic and Hebrew (DejaVu), CJK (Noto CJK) and emoji (Noto Color Emoji);
# Debian packages fonts-dejavu-core, fonts-noto-cjk and fonts-noto-color-emoji (.ci/run installs them).
PRINT_FONTS = "DejaVu Sans, Noto Sans CJK JP, sans-serif"


def print_figure(figure: dict[str, Any], *, language: str) -> dict[str, Any]:
    """A page figure restyled for paper: fixed size, print fonts, short legend names, no hover."""
    fig = copy.deepcopy(figure)
    layout = fig["layout"]
    # The legend sits under the plot in two columns: give each legend row its own space, so ten sites do
    # not squeeze the plot to a strip.
    named = sum(1 for trace in fig["data"] if trace.get("name"))
    legend_rows = (named + 1) // 2
    height = CHART_HEIGHT_PX + max(0, legend_rows - 2) * 18
    layout.update(width=CHART_WIDTH_PX, height=height)
    layout["font"] = {**layout.get("font", {}), "family": PRINT_FONTS, "size": 11}
    layout.pop("hovermode", None)
    # Room on the right for half of the last date's label (the axis' range pads both ends too).
    layout["margin"] = {"l": 64, "r": 24, "t": 40, "b": 30}
    layout["legend"] = {**layout.get("legend", {}), "font": {"size": 10}}
    # Dates are labelled in Python (chart_time.date_axis) in the client's language: kaleido's plotly has
    # English month names only, so nothing here depends on its locale.
    del language
    for trace in fig["data"]:
        if isinstance(trace.get("name"), str) and trace.get("legendgroup") != "comparison":
            # The comparison's name is our own dates and words, kept whole ("(compariso…" says nothing).
            # Names are plotly-escaped (chart_parts.plotly_text): cut the text, not an entity.
            trace["name"] = chart_parts.plotly_text_shortened(html.unescape(trace["name"]), LEGEND_NAME_CHARS)
        trace.pop("hovertemplate", None)
        if trace.get("type") == "scatter":
            # Markers are for pointing at a day on screen; on paper they are hundreds of extra shapes
            # for WeasyPrint to draw (a third of the PDF's time with ten sites over a month).
            trace["mode"] = "lines"
    return fig


# --- Lighter SVG for WeasyPrint ----------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
_G, _PATH = f"{{{SVG_NS}}}g", f"{{{SVG_NS}}}path"


def lighten_svg(svg: bytes) -> bytes:
    """The same picture in fewer SVG nodes, which is what WeasyPrint's drawing time grows with.

    plotly wraps every bar in a group of its own and leaves dozens of empty layer groups behind: a stacked
    chart of ten sites over a month is 821 nodes. Here each trace's bars (same style, absolute path data)
    become one path, and empty groups and paths go: 164 nodes, and a third less time to draw the charts.
    Text, clip paths, transforms and styles are untouched. An SVG this does not understand is returned as is.
    """
    import xml.etree.ElementTree as ET

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        # The SVG carries names from Kinsta; defusedxml refuses entity tricks plotly would never emit.
        root = fromstring(svg)
    except (ET.ParseError, DefusedXmlException):
        logger.warning("Chart SVG could not be parsed; drawing it unchanged")
        return svg
    _prune_empty(root)
    for points in root.iter(_G):
        if points.get("class") == "points":
            _merge_points(points)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _prune_empty(parent: Any) -> None:
    for child in list(parent):
        _prune_empty(child)
        empty_group = child.tag == _G and len(child) == 0 and "id" not in child.attrib
        if empty_group or (child.tag == _PATH and not child.get("d")):
            parent.remove(child)


def _merge_points(points: Any) -> None:
    """`<g class="point"><path d style/></g>` x N with one style -> one path with the N shapes' data."""
    paths = []
    for point in points:
        if point.tag != _G or set(point.attrib) - {"class"} or len(point) != 1:
            return
        path = point[0]
        if path.tag != _PATH or set(path.attrib) - {"d", "style"} or not path.get("d", "").startswith("M"):
            return
        paths.append(path)
    if len(paths) < 2 or len({path.get("style") for path in paths}) != 1:
        return
    merged = paths[0]
    merged.set("d", "".join(path.get("d") for path in paths))
    for point in list(points):
        points.remove(point)
    points.append(merged)
