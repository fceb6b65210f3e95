"""The report's downloads: the per-day CSV, the summary CSV and the PDF.

Each takes the report page's query (DESIGN.md, "URLs") and reads the same `client_report` selector, so it
shows the page's numbers. `clients.access.get_client_for_user` comes first: 404 for clients the user may
not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from clients.access import get_client_for_user, is_staff
from clients.models import Client
from dashboard.exports import csv as exports
from dashboard.exports.downloads import attachment, pdf_response, report_file_name, too_busy_response
from dashboard.exports.limits import PdfBusy
from dashboard.reports import cache as report_cache
from dashboard.reports.periods import InvalidPeriod, Period, parse_period
from dashboard.reports.selectors import AUDIENCE_CLIENT, AUDIENCE_PDF, AUDIENCE_STAFF, client_report, client_today


def _periods(query: Any, client: Client) -> tuple[Period, Period | None]:
    return parse_period(query, today=client_today(client))


def _bad_period(error: InvalidPeriod) -> HttpResponseBadRequest:
    return HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8")


# Per-day CSVs up to a quarter are cached whole (at most a few MB even for a large client); longer ones stream.
CACHED_CSV_MAX_DAYS = 92


@require_GET
def report_csv(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """One row per site, environment and day, streamed (constant memory whatever the period)."""
    client = get_client_for_user(request.user, slug)
    try:
        period, _compare = _periods(request.GET, client)
    except InvalidPeriod as error:
        return _bad_period(error)
    name = report_file_name(client.slug, period.start, period.end, "csv")
    version = report_cache.data_version()
    if version is not None and period.days <= CACHED_CSV_MAX_DAYS:
        # A report's usual periods (a week to a quarter) are asked for again and again between syncs: the
        # text is kept under the data version (dashboard.reports.cache), as the report itself is, and streamed out.
        text = report_cache.get_or_compute(
            version, "daily-csv", (*report_cache.client_parts(client), *report_cache.period_parts(period)),
            lambda: "".join(exports.stream_csv(exports.DAILY_HEADER, exports.daily_rows(client=client, period=period))),
        )  # fmt: skip
        chunks: Iterator[str] = (text[i : i + 65536] for i in range(0, len(text), 65536))
    else:
        # Longer periods stream straight from the database in constant memory.
        chunks = exports.stream_csv(exports.DAILY_HEADER, exports.daily_rows(client=client, period=period))
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    attachment(response, name)
    return response


def _audience(request: HttpRequest) -> str:
    return AUDIENCE_STAFF if is_staff(request.user) else AUDIENCE_CLIENT


@require_GET
def report_summary_csv(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """Per site and environment: the period's totals and the comparison's, as the report shows them."""
    client = get_client_for_user(request.user, slug)
    try:
        period, compare = _periods(request.GET, client)
    except InvalidPeriod as error:
        return _bad_period(error)
    report = client_report(client=client, period=period, compare=compare, audience=_audience(request))
    extra = exports.summary_extra(client, period, compare)  # the columns other apps add
    response = StreamingHttpResponse(
        exports.stream_csv(exports.summary_header(extra), exports.summary_rows(report, extra=extra)),
        content_type="text/csv; charset=utf-8",
    )
    attachment(response, report_file_name(client.slug, period.start, period.end, "csv", suffix="-summary"))
    return response


@require_GET
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The report as PDF, in the client's language (staff too: it is the client's document)."""
    from dashboard.exports.pdf import render_report_pdf

    client = get_client_for_user(request.user, slug)
    try:
        period, compare = _periods(request.GET, client)
    except InvalidPeriod as error:
        return _bad_period(error)
    # The PDF is the client's document (staff download it to send it on): it shows what the client sees.
    report = client_report(client=client, period=period, compare=compare, audience=AUDIENCE_PDF)
    try:
        rendered = render_report_pdf(client=client, report=report, wait=settings.REPORTS_PDF_WAIT_SECONDS)
    except PdfBusy:
        return too_busy_response()
    name = report_file_name(client.slug, period.start, period.end, "pdf")
    return pdf_response(rendered.content, name, charts_drawn=rendered.charts_drawn)
