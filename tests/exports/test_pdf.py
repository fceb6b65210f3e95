"""The PDF report: the same figures as the page, hostile names as plain text, charts through Chromium or
tables and a note without it, branding, page numbers, the client's language, and no URL fetching."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from dashboard.exports.chromium import ChartError, chart_renderer
from dashboard.exports.pdf import render_report_pdf, trend_rows
from dashboard.reports.periods import Period, comparison_period
from dashboard.reports.selectors import client_report
from dashboard.reports.templatetags.reports import format_bytes, format_count
from kinsta_sync.models import ActivityLogEntry, Site
from tests.exports.conftest import HOSTILE
from tests.factories import make_client
from tests.pdf_text import pdf_pages_text, pdf_text
from tests.system_packages import CHROMIUM_PATH, require

pytestmark = [pytest.mark.django_db, pytest.mark.needs("pango")]

CHROMIUM = CHROMIUM_PATH


def needs_chromium() -> None:
    require("chromium")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def no_chromium(settings):
    settings.CHROMIUM_PATH = "/nonexistent/chromium"


def text_of(content: bytes) -> str:
    return pdf_text(content)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def render(client, period: Period, compare: str = "previous", **kwargs):  # type: ignore[no-untyped-def]
    report = client_report(audience="staff", client=client, period=period, compare=comparison_period(period, compare))
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
    report = client_report(
        audience="staff", client=hostile, period=Period(yesterday - timedelta(days=119), yesterday), compare=None
    )
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
    monkeypatch.setattr("dashboard.exports.chromium.chromium_available", lambda path: True)
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
    from dashboard.exports.pdf import PDF_ACTIVITY_ROWS, activity_kinds, activity_label

    account = hostile.site_assignments.first().site.account
    site = hostile.site_assignments.first().site
    for i in range(PDF_ACTIVITY_ROWS + 5):
        ActivityLogEntry.objects.create(
            account=account, kinsta_id=1000 + i, site=site, occurred_at=timezone.now() - timedelta(days=1),
            type="clearCache" if i % 2 else "tweakSomethingNew", has_failed=i == 3,
        )  # fmt: skip
    report, pdf = render(hostile, Period(date.today() - timedelta(days=3), date.today() - timedelta(days=1)))
    kinds = {kind.label: (kind.count, kind.failed) for kind in activity_kinds(report)}
    # The fixture's five plugin updates, and the entries above (no label for the last kind: Kinsta's type as written).
    assert kinds == {"Other: tweakSomethingNew": (18, 0), "Cache clears": (17, 1), "Plugin updates": (5, 0)}
    assert activity_label("updateNotificationSettings") == "Notification settings changes"
    text = flat(text_of(pdf.content))
    assert "Cache clears" in text and "Other: tweakSomethingNew" in text
    assert f"And {18 + 17 + 5 - PDF_ACTIVITY_ROWS} earlier entries, on the report page." in text


def test_a_client_user_downloads_their_own_pdf(client, client_a_user, media, no_chromium):
    client.force_login(client_a_user)
    response = client.get("/clients/acme/report.pdf?period=7d")
    assert response.status_code == 200
    assert response["X-Report-Charts"] == "tables"
    assert response["Cache-Control"] == "private, no-store"
    assert "Acme Shop" in text_of(response.content)


def test_activity_kinds_speak_the_clients_language_and_keep_unknown_types_as_kinsta_wrote_them():
    from django.utils.translation import override

    from dashboard.exports.pdf import ACTIVITY_LABELS, activity_label

    with override("de"):
        assert activity_label("updatePlugin") == "Plugin-Updates"
        assert activity_label("updateNotificationSettings") == "Benachrichtigungseinstellungen geändert"
        assert activity_label("tweakSomethingNew") == "Sonstiges: tweakSomethingNew"
        english = {str(label) for label in ACTIVITY_LABELS.values()}
    with override("en"):
        english_now = {str(label) for label in ACTIVITY_LABELS.values()}
    assert english.isdisjoint(english_now), "every known activity type has a German label"
    assert activity_label("") == "—"
