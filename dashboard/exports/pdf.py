"""The PDF report: the print template rendered by WeasyPrint, with the charts as vector SVG.

The PDF shows the same `ClientReport` as the page and the CSV (one selector path). Charts are the page's
plotly figures (dashboard.reports.charts), restyled for paper (dashboard.exports.print_charts) and turned into
SVG by kaleido, which drives a headless Chromium (dashboard.exports.chromium, settings.CHROMIUM_PATH). Without
Chromium, or when it fails or is too slow, the PDF still renders: tables in place of the charts and a note
saying so (`RenderedPdf.charts_drawn` is False).

WeasyPrint fetches nothing: logos and charts are embedded as data: URIs and the URL fetcher refuses every
other address, so a hostile name or logo can never make the server request a URL.
"""

from __future__ import annotations

import calendar
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from clients.models import AgencyBranding, Client
from dashboard.exports import chromium
from dashboard.exports.limits import pdf_slot
from dashboard.exports.print_charts import lighten_svg, print_figure
from dashboard.reports import charts, sections
from dashboard.reports.selectors import AUDIENCE_PDF, BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE, VISITS, ClientReport

logger = logging.getLogger(__name__)

# Periods up to this many days get one table row per day when charts cannot be drawn; longer ones per month.
DAILY_TABLE_MAX_DAYS = 62


# --- Tables in place of charts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    label: str
    visits: int | None
    bandwidth: int | None
    cdn_bandwidth: int | None
    disk_usage: int | None


def _add(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return value if total is None else total + value


def trend_rows(report: ClientReport) -> list[TrendRow]:
    """The charts' figures as rows: live totals per day, or per month for long periods (disk: the month's
    latest reading, as everywhere else)."""
    daily = report.live_daily
    if len(report.days) <= DAILY_TABLE_MAX_DAYS:
        return [
            TrendRow(
                label=_date_label(day),
                visits=daily[VISITS][i],
                bandwidth=daily[BANDWIDTH][i],
                cdn_bandwidth=daily[CDN_BANDWIDTH][i],
                disk_usage=daily[DISK_USAGE][i],
            )
            for i, day in enumerate(report.days)
        ]
    months: dict[tuple[int, int], dict[str, Any]] = {}
    for i, day in enumerate(report.days):
        bucket = months.setdefault((day.year, day.month), {"first": day, "last": day})
        bucket["last"] = day
        for metric in (VISITS, BANDWIDTH, CDN_BANDWIDTH):
            bucket[metric] = _add(bucket.get(metric), daily[metric][i])
        if daily[DISK_USAGE][i] is not None:
            bucket[DISK_USAGE] = daily[DISK_USAGE][i]
    rows = []
    for (year, month), bucket in months.items():
        whole = bucket["first"].day == 1 and bucket["last"].day == calendar.monthrange(year, month)[1]
        label = (
            _month_label(bucket["first"])
            if whole
            else f"{_date_label(bucket['first'])} \u2013 {_date_label(bucket['last'])}"
        )
        rows.append(
            TrendRow(
                label=label,
                visits=bucket.get(VISITS),
                bandwidth=bucket.get(BANDWIDTH),
                cdn_bandwidth=bucket.get(CDN_BANDWIDTH),
                disk_usage=bucket.get(DISK_USAGE),
            )
        )
    return rows


def _date_label(day: date) -> str:
    from django.utils import formats

    return formats.date_format(day, "DATE_FORMAT")


def _month_label(day: date) -> str:
    from django.utils import formats

    return formats.date_format(day, "YEAR_MONTH_FORMAT")


# --- Work done ------------------------------------------------------------------------------------------------

# The PDF lists this many of the newest activity entries, after a count by kind of everything listed on
# the report page (up to dashboard.reports.selectors.ACTIVITY_LIMIT): a client reads "37 plugin updates", not
# 200 rows, and ten pages of log would make the PDF slow and long.
PDF_ACTIVITY_ROWS = 30
# Kinsta's activity types (REFERENCE.md, activity log: `type` is a free-form action code, the full list unknown)
# in the client's words. A type missing here is shown as Kinsta wrote it, under a translated "Other" (the
# entries themselves keep Kinsta's descriptions, in the language Kinsta sent them).
ACTIVITY_LABELS = {
    # siteActions
    "updatePlugin": gettext_lazy("Plugin updates"),
    "updateTheme": gettext_lazy("Theme updates"),
    "updateWordPress": gettext_lazy("WordPress updates"),
    "clearCache": gettext_lazy("Cache clears"),
    "createBackup": gettext_lazy("Manual backups"),
    "restoreBackup": gettext_lazy("Backup restores"),
    "restartPHP": gettext_lazy("PHP restarts"),
    "pushEnvironment": gettext_lazy("Staging pushed to live"),
    "changePHPVersion": gettext_lazy("PHP version changes"),
    "addDomain": gettext_lazy("Domains added"),
    "removeDomain": gettext_lazy("Domains removed"),
    "createEnvironment": gettext_lazy("Environments created"),
    "deleteEnvironment": gettext_lazy("Environments deleted"),
    "runWPCLICommand": gettext_lazy("WP-CLI commands"),
    "createSite": gettext_lazy("Sites created"),
    "deleteSite": gettext_lazy("Sites deleted"),
    # kinstaDns
    "addDnsRecord": gettext_lazy("DNS records added"),
    "updateDnsRecord": gettext_lazy("DNS records changed"),
    "deleteDnsRecord": gettext_lazy("DNS records deleted"),
    # userManagement, billing, notifications
    "inviteUser": gettext_lazy("Users invited"),
    "addUser": gettext_lazy("Users added"),
    "removeUser": gettext_lazy("Users removed"),
    "updateBillingDetails": gettext_lazy("Billing details changes"),
    "updateNotificationSettings": gettext_lazy("Notification settings changes"),
}


@dataclass(frozen=True)
class ActivityKind:
    label: str
    count: int
    failed: int


def activity_label(kind: str) -> str:
    """The label of an activity type in the active language; a type we have no label for keeps Kinsta's own
    text as written (`Other: updateSomethingNew`), so nothing English is made up in a German report."""
    label = ACTIVITY_LABELS.get(kind)
    if label is not None:
        return str(label)
    return gettext("Other: %(type)s") % {"type": kind} if kind else "—"


def activity_kinds(report: ClientReport) -> list[ActivityKind]:
    """The listed activity counted by kind, most frequent first."""
    counts: dict[str, list[int]] = {}
    for entry in report.activity:
        tally = counts.setdefault(entry.type, [0, 0])
        tally[0] += 1
        tally[1] += 1 if entry.has_failed else 0
    kinds = [
        ActivityKind(label=activity_label(kind), count=count, failed=failed) for kind, (count, failed) in counts.items()
    ]
    return sorted(kinds, key=lambda k: (-k.count, k.label))


# --- The document -----------------------------------------------------------------------------------------

_IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
                "webp": "image/webp"}  # fmt: skip


def _logo(field: Any, assets: _Assets) -> str:
    """An uploaded logo (validated raster image) as an asset URL, or "" when there is none or it is gone."""
    if not field:
        return ""
    extension = os.path.splitext(field.name)[1].lower().lstrip(".")
    mime = _IMAGE_TYPES.get(extension)
    if mime is None:
        return ""
    try:
        with field.storage.open(field.name, "rb") as handle:
            return assets.add(handle.read(), mime)
    except OSError:
        logger.warning("Logo %s could not be read; the PDF goes without it", field.name)
        return ""


# Charts and logos reach WeasyPrint as `report-asset:<n>` URLs served from memory: no network, no files,
# and no base64 in the HTML for its parser to wade through (charts are 50-200 KB each).
ASSET_SCHEME = "report-asset"


def _url_fetcher(assets: dict[str, tuple[bytes | Callable[[], bytes], str]] | None = None) -> Any:
    """WeasyPrint's URL fetcher: the report's own in-memory assets and data: URIs, nothing else.

    An asset may be a function (a chart Chromium is still drawing): it is called when WeasyPrint first
    needs the image. If the chart cannot be drawn, the fetcher stops the rendering with WeasyPrint's
    `FatalURLFetchingError` (its cause the `ChartError`), and `render_report_pdf` starts again with tables.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class ReportFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if assets is not None and url in assets:
                content, mime = assets[url]
                if callable(content):
                    try:
                        content = content()
                    except chromium.ChartError as exc:
                        raise FatalURLFetchingError(str(exc)) from exc
                return URLFetcherResponse(url, content, {"Content-Type": mime})
            return super().fetch(url, headers)

    return ReportFetcher(allowed_protocols={"data"}, timeout=5)


class _Assets:
    """Bytes the template refers to by `report-asset:` URL (or a function that returns them)."""

    def __init__(self) -> None:
        self.by_url: dict[str, tuple[bytes | Callable[[], bytes], str]] = {}

    def add(self, content: bytes | Callable[[], bytes], mime: str) -> str:
        url = f"{ASSET_SCHEME}:{len(self.by_url)}"
        self.by_url[url] = (content, mime)
        return url


def _css_string(text: str) -> str:
    """A CSS string literal for any text: everything but letters, digits and spaces as an escape."""
    escaped = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    charts_drawn: bool
    chart_error: str
    seconds: float
    # What the report sections built for this PDF, by section name (dashboard.reports.sections): a send stores
    # the e-mail's snapshots from it instead of building every section again.
    section_data: dict[str, Any] = field(default_factory=dict)


def render_report_pdf(
    *,
    client: Client,
    report: ClientReport,
    draw_charts: bool = True,
    wait: float | None = None,
    audience: str = AUDIENCE_PDF,
) -> RenderedPdf:
    """The client's report as PDF bytes (`_render`), holding one of the process's PDF slots while it renders
    (dashboard/exports/limits.py): `wait` seconds at most for one (None, for background work: as long as it
    takes), else `PdfBusy`."""
    with pdf_slot(wait=wait):
        return _render(client=client, report=report, draw_charts=draw_charts, audience=audience)


def _render(*, client: Client, report: ClientReport, draw_charts: bool, audience: str) -> RenderedPdf:
    """The client's report as PDF bytes, in the client's language and time zone.

    Charts come from Chromium when it is there and answers in time; otherwise the PDF carries tables and
    a note. The caller decides what to do with the bytes (respond, attach, archive).

    Chromium draws the charts in another process while this one renders the template and WeasyPrint
    parses and styles the document; WeasyPrint waits for a chart only when it reaches its image.
    """
    started = time.monotonic()
    language = client.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(client.timezone):
        figures = charts.client_charts(report)
        # What other apps add (dashboard.reports.sections), built once for both attempts below.
        section_data: dict[str, Any] = {}
        parts = sections.build(
            sections.SectionRequest(client, report.period, report.compare_period, audience),
            sections.SURFACE_PDF,
            built=section_data,
        )
        svgs: Future[list[bytes]] | None = None
        chart_error = ""
        wanted = bool(draw_charts and report.days)
        if not wanted:
            chart_error = "charts not requested"
        elif not chromium.chromium_available(settings.CHROMIUM_PATH):
            chart_error = f"no Chromium at {settings.CHROMIUM_PATH}"
        else:
            svgs = _chart_jobs.submit(
                chromium.chart_renderer().render_svgs,
                [print_figure(chart["figure"], language=language) for chart in figures],
                path=settings.CHROMIUM_PATH,
                timeout=settings.REPORTS_CHART_TIMEOUT,
                idle_seconds=settings.REPORTS_CHROMIUM_IDLE_SECONDS,
            )
        if svgs is not None:
            try:
                content = _write_pdf(client, report, language, figures, svgs, parts)
            except chromium.ChartError as exc:
                chart_error = str(exc)
                svgs = None
        if svgs is None:
            if wanted:
                logger.warning("PDF for %s without charts: %s", client.slug, chart_error)
            content = _write_pdf(client, report, language, figures, None, parts)
    return RenderedPdf(
        content=content,
        charts_drawn=svgs is not None,
        chart_error=chart_error,
        seconds=time.monotonic() - started,
        section_data=section_data,
    )


# Chart drawing runs beside the document's rendering (`render_report_pdf`); ChartRenderer's lock still lets
# one PDF at a time use Chromium.
_chart_jobs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf-charts")


def _write_pdf(
    client: Client,
    report: ClientReport,
    language: str,
    figures: list[dict[str, Any]],
    svgs: Future[list[bytes]] | None,
    parts: dict[str, list[sections.BuiltSection]],
) -> bytes:
    """The PDF's bytes, with the charts of `svgs` (a drawing in progress) or, without, tables in their place.

    Raises ChartError when the charts fail while WeasyPrint waits for them.
    """
    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError

    assets = _Assets()
    chart_images = []
    if svgs is not None:
        # Every chart waits at most for Chromium to start and draw them all (each step has its own timeout).
        wait = settings.REPORTS_CHART_TIMEOUT * (len(figures) + 1) + 5

        def chart(index: int) -> Callable[[], bytes]:
            def drawn() -> bytes:
                try:
                    drawn_svgs = svgs.result(timeout=wait)
                except chromium.ChartError:
                    raise
                except FutureTimeoutError as exc:
                    raise chromium.ChartError(f"the charts were not drawn within {wait:g} s") from exc
                except Exception as exc:  # anything else that went wrong in the drawing thread
                    raise chromium.ChartError(f"{type(exc).__name__}: {exc}") from exc
                return lighten_svg(drawn_svgs[index])

            return drawn

        chart_images = [
            {"title": figure["figure"]["layout"]["title"]["text"], "src": assets.add(chart(i), "image/svg+xml")}
            for i, figure in enumerate(figures)
        ]
    agency = AgencyBranding.get()
    context = {
        "client": report.client,
        "report": report,
        "agency": agency,
        "agency_logo": _logo(agency.logo, assets),
        "client_logo": _logo(client.logo, assets),
        "chart_images": chart_images,
        "trend_rows": [] if chart_images else trend_rows(report),
        "trend_is_daily": len(report.days) <= DAILY_TABLE_MAX_DAYS,
        "activity_kinds": activity_kinds(report),
        "activity_rows": report.activity[:PDF_ACTIVITY_ROWS],
        "activity_more": max(0, len(report.activity) - PDF_ACTIVITY_ROWS),
        "language": language,
        "sections": parts,
    }
    html = render_to_string("exports/pdf.html", context)
    page_css = (
        "@page { @bottom-right { content: " + _css_string(gettext("Page")) + ' " " counter(page) " / " '
        "counter(pages); } }"
    )
    stylesheet = finders.find("css/print.css")
    if not stylesheet:
        raise RuntimeError("static/css/print.css is missing")
    fetcher = _url_fetcher(assets.by_url)
    document = HTML(string=html, url_fetcher=fetcher)
    stylesheets = [CSS(filename=stylesheet, url_fetcher=fetcher), CSS(string=page_css, url_fetcher=fetcher)]
    try:
        return document.write_pdf(stylesheets=stylesheets)
    except FatalURLFetchingError as exc:
        if isinstance(exc.__cause__, chromium.ChartError):
            raise exc.__cause__ from None
        raise
