"""The PDF report: the same figures as the page, hostile names as plain text, charts through Chromium or
tables and a note without it, branding, page numbers, the client's language, and no URL fetching."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from pypdf import PdfReader

from clients.models import AgencyBranding
from dashboard.exports.pdf import ChartError, chart_renderer, render_report_pdf, trend_rows
from dashboard.reports.periods import Period, comparison_period
from dashboard.reports.selectors import client_report
from dashboard.reports.templatetags.reports import format_bytes, format_count
from kinsta_sync.models import ActivityLogEntry, Site
from tests.factories import add_points, assign, make_account, make_client, make_site
from tests.pdf_text import pdf_pages_text, pdf_text
from tests.system_packages import CHROMIUM_PATH, require

pytestmark = [pytest.mark.django_db, pytest.mark.needs("pango")]

CHROMIUM = CHROMIUM_PATH
HOSTILE = [
    "<script>alert(1)</script> Landing",
    "Gallery <img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example")',
    "東京ベーカリー",
    "Pizza 🍕 Palace",
]


def png_logo() -> bytes:
    """A small PNG in the client's colour (a logo)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "#d14b2f").save(buffer, format="PNG")
    return buffer.getvalue()


def needs_chromium() -> None:
    require("chromium")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def no_chromium(settings):
    settings.CHROMIUM_PATH = "/nonexistent/chromium"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORTS_ROOT = tmp_path / "reports"
    return tmp_path


def text_of(content: bytes) -> str:
    return pdf_text(content)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def hostile(media):
    account = make_account()
    client = make_client("Hostile <b>Client</b>", slug="hostile", brand_color="#d14b2f")
    client.logo.save("logo.png", ContentFile(png_logo()), save=True)
    sites = []
    today = date.today()
    for index, name in enumerate(HOSTILE):
        site = make_site(account, name=f"h{index}", display_name=name, domains=[f"h{index}.example.com"])
        days = [today - timedelta(days=d) for d in range(1, 40)]
        add_points(site.live, metric="visits", days={d: 1000 * (index + 1) + d.day for d in days})
        add_points(site.live, metric="bandwidth", days={d: 3 * 10**9 for d in days})
        add_points(site.live, metric="disk_usage", days={d: 10**9 for d in days})
        ActivityLogEntry.objects.create(
            account=account, kinsta_id=index + 1, site=site, occurred_at=site.first_seen_at - timedelta(days=2),
            type="updatePlugin", description=f"Updated {name}", initiated_by_name="=cmd|' /C calc'!A0",
        )  # fmt: skip
        sites.append(site)
    assign(sites, client)
    branding = AgencyBranding.get()
    branding.name = "Pixel & Partners"
    branding.save()
    return client


def render(client, period: Period, compare: str = "previous", **kwargs):  # type: ignore[no-untyped-def]
    report = client_report(client=client, period=period, compare=comparison_period(period, compare))
    return report, render_report_pdf(client=client, report=report, **kwargs)


def last_30_days() -> Period:
    yesterday = date.today() - timedelta(days=1)
    return Period(yesterday - timedelta(days=29), yesterday)


# --- Same numbers as the page ---------------------------------------------------------------------------


def test_the_pdf_holds_the_pages_totals(client, staff_user, client_a, media, no_chromium):
    client.force_login(staff_user)
    page = client.get("/clients/acme/?period=30d&compare=previous")
    report = page.context["report"]
    html = page.content.decode()

    response = client.get("/clients/acme/report.pdf?period=30d&compare=previous")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="report-acme-{report.period.start}-to-{report.period.end}.pdf"'
    )
    text = flat(text_of(response.content))
    with translation.override("en"):
        figures = [format_count(report.kpi("visits").value), format_bytes(report.kpi("bandwidth").value)]
        figures += [format_count(site.totals.visits) for site in report.live_sites]
        figures.append(format_count(report.kpi("visits").previous))
    for figure in figures:
        assert figure in html
        assert figure in text, figure
    assert "Acme Shop" in text and "Acme Blog" in text


def test_hostile_names_are_plain_text_in_the_pdf(hostile, no_chromium):
    _report, pdf = render(hostile, last_30_days())
    text = flat(text_of(pdf.content))
    # Lines wrap inside long names ("http:// evil.example"): compare without white space.
    squeezed = re.sub(r"\s+", "", text)
    for name in HOSTILE:
        assert re.sub(r"\s+", "", name) in squeezed, name
    assert "Hostile <b>Client</b>" in text
    assert "=cmd|' /C calc'!A0" in text
    assert "&lt;" not in text  # not double-escaped either


# --- Charts, or tables and a note -------------------------------------------------------------------------


def test_without_chromium_the_pdf_has_tables_and_says_so(hostile, no_chromium):
    report, pdf = render(hostile, last_30_days())
    assert not pdf.charts_drawn
    assert "no Chromium" in pdf.chart_error
    text = flat(text_of(pdf.content))
    assert "The charts could not be drawn for this PDF" in text
    assert "Day by day (live sites)" in text
    # One row per day with the live visits of that day.
    with translation.override("en"):
        first_day = format_count(report.live_daily["visits"][0])
    assert first_day in text


def test_long_periods_fall_back_to_a_table_by_month(hostile, no_chromium):
    yesterday = date.today() - timedelta(days=1)
    report = client_report(client=hostile, period=Period(yesterday - timedelta(days=119), yesterday), compare=None)
    rows = trend_rows(report)
    assert 4 <= len(rows) <= 5
    assert sum(r.visits or 0 for r in rows) == report.live_totals.visits


def test_a_failing_chromium_falls_back_to_tables(hostile, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ChartError("Chromium did not answer within 60 s")

    monkeypatch.setattr(chart_renderer(), "render_svgs", broken)
    _report, pdf = render(hostile, last_30_days())
    assert not pdf.charts_drawn
    assert "The charts could not be drawn" in flat(text_of(pdf.content))


def test_charts_that_fail_while_the_document_waits_for_them_give_tables(hostile, monkeypatch, caplog):
    drawing = threading.Event()

    def fails_later(*args, **kwargs):  # type: ignore[no-untyped-def]
        drawing.set()
        time.sleep(0.3)  # WeasyPrint has started on the document and waits for the first chart
        raise RuntimeError("Chromium went away")

    monkeypatch.setattr(chart_renderer(), "render_svgs", fails_later)
    monkeypatch.setattr("dashboard.exports.pdf.chromium_available", lambda path: True)
    _report, pdf = render(hostile, last_30_days())

    assert drawing.is_set()
    assert not pdf.charts_drawn
    assert pdf.chart_error == "RuntimeError: Chromium went away"
    assert "The charts could not be drawn" in flat(text_of(pdf.content))
    # WeasyPrint stopped at the missing chart instead of logging it and drawing a broken image.
    assert not [r for r in caplog.records if r.name.startswith("weasyprint") and r.levelname == "ERROR"]


@pytest.mark.slow
def test_with_chromium_the_charts_are_vector_svg(hostile, settings):
    needs_chromium()
    settings.CHROMIUM_PATH = CHROMIUM
    Site.objects.filter(name="h0").update(display_name='<a href="https://evil.example">Pay</a>')
    _report, pdf = render(hostile, last_30_days())
    assert pdf.charts_drawn, pdf.chart_error
    text = flat(text_of(pdf.content))
    assert "The charts could not be drawn" not in text
    # The charts' titles and axis labels are text in the PDF (vector), not pixels.
    assert "Visits per day (live sites)" in text
    assert "Bandwidth per day (live sites)" in text
    reader = PdfReader(io.BytesIO(pdf.content))
    # A site named like a link is text in the legend, never a link annotation (plotly reads <a href>).
    assert '<a href="https://evil.example">Pay' in text
    links = [
        annotation.get_object().get("/A", {}).get("/URI")
        for page in reader.pages
        for annotation in page.get("/Annots") or []
    ]
    assert not any("evil.example" in str(uri) for uri in links), links
    # The only raster images are small: the logo and colour emoji glyphs, never a chart.
    widths = [image.image.width for page in reader.pages for image in page.images]
    assert widths and max(widths) < 300
    assert "Visits" in pdf_pages_text(pdf.content)[1]


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
    from dashboard.exports.pdf import lighten_svg

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
    from dashboard.exports.pdf import lighten_svg

    assert lighten_svg(b"<svg><g>") == b"<svg><g>"
    # Entity declarations are refused (defusedxml), never expanded.
    bomb = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg>&b;</svg>'
    assert lighten_svg(bomb) == bomb


@pytest.mark.slow
def test_lightened_charts_draw_the_same_as_chromiums(hostile, settings):
    from dashboard.exports.pdf import lighten_svg, print_figure
    from dashboard.reports import charts

    needs_chromium()
    report = client_report(client=hostile, period=last_30_days(), compare=None)
    figures = [print_figure(chart["figure"], language="en") for chart in charts.client_charts(report)]
    svgs = chart_renderer().render_svgs(figures, path=CHROMIUM, timeout=60)
    for svg in svgs:
        light = lighten_svg(svg)
        assert svg_drawing(light) == svg_drawing(svg)
    stacked = svgs[0]
    assert len(svg_nodes(lighten_svg(stacked))) < len(svg_nodes(stacked)) / 2


def test_print_figures_are_plain_text_without_hover_titles():
    from dashboard.reports.templatetags.reports import change, metric

    with translation.override("en"):
        assert metric(86_160_000_000, "bytes") == '<span title="86,160,000,000 bytes">86.2 GB</span>'
        assert metric(86_160_000_000, "bytes", plain=True) == "86.2 GB"
        assert metric(None, "bytes", plain=True) == '<span class="nodata">no data</span>'
        assert change(0.004, plain=True) == '<span class="change up">▲ +0.4%</span>'
        assert change(-0.5, plain=True) == '<span class="change down">▼ \u221250.0%</span>'
        assert change(None, plain=True) == '<span class="change none">—</span>'
        assert "visually-hidden" in change(0.004)


class SteppedClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.slow
def test_an_idle_chromium_is_stopped_and_started_again_for_the_next_pdf():
    from dashboard.exports.pdf import ChartRenderer

    needs_chromium()
    clock = SteppedClock()
    renderer = ChartRenderer(clock=clock)
    figure = {"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}], "layout": {"width": 300, "height": 200}}
    try:
        # A long idle timeout: the real timer never fires during the test; the test plays its part.
        assert renderer.render_svgs([figure], path=CHROMIUM, timeout=60, idle_seconds=600)[0].startswith(b"<svg")
        assert renderer.running
        clock.now += 599
        assert not renderer.stop_if_idle(600) and renderer.running
        renderer.render_svgs([figure], path=CHROMIUM, timeout=60, idle_seconds=600)  # a PDF in between
        clock.now += 599
        assert not renderer.stop_if_idle(600) and renderer.running, "the second chart restarted the idle time"
        clock.now += 1
        assert renderer.stop_if_idle(600)
        assert not renderer.running
        # The next PDF starts Chromium again.
        assert renderer.render_svgs([figure], path=CHROMIUM, timeout=60, idle_seconds=600)[0].startswith(b"<svg")
        assert renderer.running
    finally:
        renderer.stop()


def test_the_idle_timer_calls_the_idle_check(monkeypatch):
    """The timer that `render_svgs` arms runs `stop_if_idle` with the configured seconds (no Chromium)."""
    from dashboard.exports import pdf

    armed = []

    class RecordingTimer:
        def __init__(self, interval, function, args=()):
            armed.append((interval, function, args))
            self.daemon = False

        def start(self):
            pass

        def cancel(self):
            pass

    monkeypatch.setattr(pdf.threading, "Timer", RecordingTimer)
    renderer = pdf.ChartRenderer()
    renderer._stop_when_idle(42.0)
    assert armed == [(42.0, renderer.stop_if_idle, (42.0,))]
    assert renderer.stop_if_idle(42.0) is False  # nothing running: nothing to stop


# --- Branding, layout, language ---------------------------------------------------------------------------


def test_the_cover_carries_agency_and_client_branding_and_pages_are_numbered(hostile, no_chromium):
    report, pdf = render(hostile, last_30_days())
    reader = PdfReader(io.BytesIO(pdf.content))
    pages = pdf_pages_text(pdf.content)
    assert len(pages) == len(reader.pages)
    cover = flat(pages[0])
    assert "Pixel & Partners" in cover
    assert "Hostile <b>Client</b>" in cover
    assert "WEBSITE REPORT" in cover.upper()
    assert report.period.start.strftime("%Y") in cover
    assert reader.pages[0].images, "the client's logo is on the cover"
    assert "Page" not in cover  # no footer on the cover
    count = len(reader.pages)
    assert count >= 3
    second = flat(pages[1])
    assert f"Page 2 / {count}" in second
    assert "Pixel & Partners · Hostile <b>Client</b>" in second
    text = flat(text_of(pdf.content))
    for heading in ("Summary", "Sites", "Work done", "What the figures mean"):
        assert heading in text
    assert reader.metadata.title == "Website report: Hostile <b>Client</b>"


def test_the_pdf_is_in_the_clients_language(client_b, media, no_chromium):
    period = last_30_days()
    report, pdf = render(client_b, period)
    text = flat(text_of(pdf.content))
    assert "WEBSITE-BERICHT" in text  # the cover sets it in capitals
    assert "Was die Zahlen bedeuten" in text
    assert "Seite 2 /" in text
    with translation.override("de"):
        visits = format_count(report.kpi("visits").value)
    assert "." in visits  # German thousands separator
    assert visits in text


def test_the_pdf_fetches_no_urls():
    from dashboard.exports.pdf import _url_fetcher

    fetcher = _url_fetcher()
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/passwd", "https://evil.example/"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_a_missing_logo_file_does_not_break_the_pdf(hostile, no_chromium):
    hostile.logo.storage.delete(hostile.logo.name)
    _report, pdf = render(hostile, last_30_days())
    assert "Hostile <b>Client</b>" in flat(text_of(pdf.content))


def test_a_client_without_sites_gets_a_pdf_that_says_so(media, no_chromium):
    empty = make_client("Empty Ltd", slug="empty")
    _report, pdf = render(empty, last_30_days())
    text = flat(text_of(pdf.content))
    assert "No sites are assigned to this client yet." in text
    assert "No data for this period" in text


def test_work_done_counts_the_activity_by_kind_and_lists_the_newest(hostile, no_chromium):
    from dashboard.exports.pdf import PDF_ACTIVITY_ROWS, _spell_out, activity_kinds

    account = hostile.site_assignments.first().site.account
    site = hostile.site_assignments.first().site
    for i in range(PDF_ACTIVITY_ROWS + 5):
        ActivityLogEntry.objects.create(
            account=account, kinsta_id=1000 + i, site=site, occurred_at=timezone.now() - timedelta(days=1),
            type="clearCache" if i % 2 else "updateNotificationSettings", has_failed=i == 3,
        )  # fmt: skip
    report, pdf = render(hostile, Period(date.today() - timedelta(days=3), date.today() - timedelta(days=1)))
    kinds = {kind.label: (kind.count, kind.failed) for kind in activity_kinds(report)}
    # The fixture's five plugin updates, and the entries above (no label for the last kind: spelled out).
    assert kinds == {"Update notification settings": (18, 0), "Cache clears": (17, 1), "Plugin updates": (5, 0)}
    assert _spell_out("updateNotificationSettings") == "Update notification settings"
    text = flat(text_of(pdf.content))
    assert "Cache clears" in text and "Update notification settings" in text
    assert f"And {18 + 17 + 5 - PDF_ACTIVITY_ROWS} earlier entries, on the report page." in text


def test_a_client_user_downloads_their_own_pdf(client, client_a_user, media, no_chromium):
    client.force_login(client_a_user)
    response = client.get("/clients/acme/report.pdf?period=7d")
    assert response.status_code == 200
    assert response["X-Report-Charts"] == "tables"
    assert response["Cache-Control"] == "private, no-store"
    assert "Acme Shop" in text_of(response.content)
