"""The PDF report: the print template rendered by WeasyPrint, with the charts as vector SVG.

The PDF shows the same `ClientReport` as the page and the CSV (one selector path). Charts are the page's
plotly figures (dashboard.reports.charts), restyled for paper and turned into SVG by kaleido, which drives a
headless Chromium (settings.CHROMIUM_PATH). Without Chromium, or when it fails or is too slow, the PDF
still renders: tables in place of the charts and a note saying so (`RenderedPdf.charts_drawn` is False).

WeasyPrint fetches nothing: logos and charts are embedded as data: URIs and the URL fetcher refuses every
other address, so a hostile name or logo can never make the server request a URL.
"""

from __future__ import annotations

import asyncio
import atexit
import calendar
import copy
import html
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from clients.models import AgencyBranding, Client
from dashboard.reports import charts
from dashboard.reports.selectors import BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE, VISITS, ClientReport

logger = logging.getLogger(__name__)

# A4 portrait with 16 mm side margins leaves 178 mm; plotly's pixels are CSS pixels (96 per inch).
CHART_WIDTH_PX = 672
CHART_HEIGHT_PX = 300
# Legend entries longer than this are cut (the site table has the full names).
LEGEND_NAME_CHARS = 36
# Periods up to this many days get one table row per day when charts cannot be drawn; longer ones per month.
DAILY_TABLE_MAX_DAYS = 62
# Fonts with Latin, Greek, Cyrillic, Arabic and Hebrew (DejaVu), CJK (Noto CJK) and emoji (Noto Color Emoji);
# Debian packages fonts-dejavu-core, fonts-noto-cjk and fonts-noto-color-emoji (.ci/run installs them).
PRINT_FONTS = "DejaVu Sans, Noto Sans CJK JP, sans-serif"


class ChartError(Exception):
    """Chromium is missing, did not start, failed or was too slow: the PDF falls back to tables."""


# --- Charts: kaleido driving Chromium ---------------------------------------------------------------------


def chromium_available(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


class ChartRenderer:
    """One headless Chromium per process, started on first use and kept warm, driven by kaleido.

    kaleido's own `start_sync_server()` has no timeout: if Chromium dies or never starts, a later
    `calc_fig_sync()` waits forever, which would hang a worker. This runs the same `Kaleido` on a private
    event loop thread instead, so every call has a timeout, and a failed Chromium is shut down and started
    afresh by the next PDF. A lock serialises callers (one tab, one chart at a time, ~0.1-0.3 s each).

    A warm Chromium holds about 340 MiB (PSS) in every process that has drawn a chart (each web and
    background worker): after `idle_seconds` without a chart (settings.REPORTS_CHROMIUM_IDLE_SECONDS) it is
    shut down, and the next PDF starts it again (a few seconds more for that one PDF).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        # The clock the idle timeout is measured with (tests pass their own to drive it without sleeping).
        self._clock = clock
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._path = ""
        self._idle_timer: threading.Timer | None = None
        self._last_used = 0.0

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def render_svgs(
        self, figures: Sequence[dict[str, Any]], *, path: str, timeout: float, idle_seconds: float = 0
    ) -> list[bytes]:
        """The figures as SVG. With `idle_seconds`, Chromium is shut down once that long passes without
        another call (0: it stays up for the life of the process)."""
        if not chromium_available(path):
            raise ChartError(f"no Chromium at {path}")
        with self._lock:
            try:
                if self._kaleido is None or self._path != path:
                    self._start(path, timeout)
                svgs = []
                for figure in figures:
                    size = figure.get("layout", {})
                    opts = {"format": "svg", "width": size.get("width", CHART_WIDTH_PX),
                            "height": size.get("height", CHART_HEIGHT_PX)}  # fmt: skip
                    svgs.append(self._call(self._kaleido.calc_fig(figure, opts=opts), timeout))
                return svgs
            except ChartError:
                self._stop()
                raise
            except Exception as exc:
                self._stop()
                raise ChartError(f"{type(exc).__name__}: {exc}") from exc
            finally:
                self._last_used = self._clock()
                if idle_seconds > 0:
                    self._stop_when_idle(idle_seconds)

    def stop(self) -> None:
        with self._lock:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            self._stop()

    def _stop_when_idle(self, idle_seconds: float) -> None:
        """(Re)arm the timer that stops Chromium `idle_seconds` after the last call. Called with the lock."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = threading.Timer(idle_seconds, self.stop_if_idle, args=(idle_seconds,))
        self._idle_timer.daemon = True
        self._idle_timer.start()

    def stop_if_idle(self, idle_seconds: float) -> bool:
        """Stop Chromium if no chart was drawn for `idle_seconds` (what the idle timer runs). True if stopped."""
        with self._lock:
            if self._kaleido is None or self._clock() - self._last_used < idle_seconds:
                return False
            logger.info("Stopping the chart Chromium after %g s without a chart", idle_seconds)
            self._stop()
            return True

    def _call(self, coroutine: Coroutine[Any, Any, Any], timeout: float) -> Any:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout)
        except FutureTimeoutError as exc:
            future.cancel()
            raise ChartError(f"Chromium did not answer within {timeout:g} s") from exc

    def _start(self, path: str, timeout: float) -> None:
        import kaleido

        self._stop()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido-chromium", daemon=True)
        self._thread.start()

        async def open_browser() -> Any:
            # mathjax=False: kaleido would otherwise load MathJax from a CDN (the report has no formulas);
            # plotly.js comes from the installed plotly package.
            browser = kaleido.Kaleido(n=1, timeout=timeout, mathjax=False, path=path)
            await browser.open()
            return browser

        self._kaleido = self._call(open_browser(), timeout)
        self._path = path

    def _stop(self) -> None:
        loop, thread, browser = self._loop, self._thread, self._kaleido
        self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        if browser is not None:
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=10)
            except Exception:
                logger.warning("Chromium did not close cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)


_renderer = ChartRenderer()
atexit.register(_renderer.stop)


def chart_renderer() -> ChartRenderer:
    return _renderer


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
    layout["margin"] = {"l": 56, "r": 12, "t": 40, "b": 30}
    layout["legend"] = {**layout.get("legend", {}), "font": {"size": 10}}
    if language.startswith("de"):
        # kaleido's plotly has English month names only; German readers get 3.10. instead of "03 Oct".
        layout.setdefault("xaxis", {})["tickformat"] = "%-d.%-m."
    for trace in fig["data"]:
        if isinstance(trace.get("name"), str):
            # Names are plotly-escaped (charts.plotly_text): cut the text, not an entity.
            trace["name"] = charts.plotly_text_shortened(html.unescape(trace["name"]), LEGEND_NAME_CHARS)
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

    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _month_label(day: date) -> str:
    from django.utils import formats

    return formats.date_format(day, "YEAR_MONTH_FORMAT")


# --- Work done ------------------------------------------------------------------------------------------------

# The PDF lists this many of the newest activity entries, after a count by kind of everything listed on
# the report page (up to dashboard.reports.selectors.ACTIVITY_LIMIT): a client reads "37 plugin updates", not
# 200 rows, and ten pages of log would make the PDF slow and long.
PDF_ACTIVITY_ROWS = 30
# Kinsta's activity types (REFERENCE.md, activity log) in the client's words; others are spelled out.
ACTIVITY_LABELS = {
    "updatePlugin": gettext_lazy("Plugin updates"),
    "updateTheme": gettext_lazy("Theme updates"),
    "clearCache": gettext_lazy("Cache clears"),
    "createBackup": gettext_lazy("Manual backups"),
    "restoreBackup": gettext_lazy("Backup restores"),
    "restartPHP": gettext_lazy("PHP restarts"),
    "pushEnvironment": gettext_lazy("Staging pushed to live"),
    "changePHPVersion": gettext_lazy("PHP version changes"),
    "addDomain": gettext_lazy("Domains added"),
    "createEnvironment": gettext_lazy("Environments created"),
    "runWPCLICommand": gettext_lazy("WP-CLI commands"),
    "addDnsRecord": gettext_lazy("DNS records added"),
}


@dataclass(frozen=True)
class ActivityKind:
    label: str
    count: int
    failed: int


def _spell_out(kind: str) -> str:
    """`updateNotificationSettings` -> `Update notification settings` (an activity type we have no label for)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", kind).split()
    text = " ".join([words[0].capitalize(), *(w.lower() for w in words[1:])]) if words else kind
    return text or "—"


def activity_kinds(report: ClientReport) -> list[ActivityKind]:
    """The listed activity counted by kind, most frequent first."""
    counts: dict[str, list[int]] = {}
    for entry in report.activity:
        tally = counts.setdefault(entry.type, [0, 0])
        tally[0] += 1
        tally[1] += 1 if entry.has_failed else 0
    kinds = [
        ActivityKind(label=str(ACTIVITY_LABELS.get(kind) or _spell_out(kind)), count=count, failed=failed)
        for kind, (count, failed) in counts.items()
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
                    except ChartError as exc:
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


def render_report_pdf(*, client: Client, report: ClientReport, draw_charts: bool = True) -> RenderedPdf:
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
        svgs: Future[list[bytes]] | None = None
        chart_error = ""
        wanted = bool(draw_charts and report.days)
        if not wanted:
            chart_error = "charts not requested"
        elif not chromium_available(settings.CHROMIUM_PATH):
            chart_error = f"no Chromium at {settings.CHROMIUM_PATH}"
        else:
            svgs = _chart_jobs.submit(
                chart_renderer().render_svgs,
                [print_figure(chart["figure"], language=language) for chart in figures],
                path=settings.CHROMIUM_PATH,
                timeout=settings.REPORTS_CHART_TIMEOUT,
                idle_seconds=settings.REPORTS_CHROMIUM_IDLE_SECONDS,
            )
        if svgs is not None:
            try:
                content = _write_pdf(client, report, language, figures, svgs)
            except ChartError as exc:
                chart_error = str(exc)
                svgs = None
        if svgs is None:
            if wanted:
                logger.warning("PDF for %s without charts: %s", client.slug, chart_error)
            content = _write_pdf(client, report, language, figures, None)
    return RenderedPdf(
        content=content,
        charts_drawn=svgs is not None,
        chart_error=chart_error,
        seconds=time.monotonic() - started,
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
                except ChartError:
                    raise
                except FutureTimeoutError as exc:
                    raise ChartError(f"the charts were not drawn within {wait:g} s") from exc
                except Exception as exc:  # anything else that went wrong in the drawing thread
                    raise ChartError(f"{type(exc).__name__}: {exc}") from exc
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
        if isinstance(exc.__cause__, ChartError):
            raise exc.__cause__ from None
        raise
