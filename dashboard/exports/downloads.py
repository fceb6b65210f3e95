"""How a report downloads: its file name, and the headers that keep it private.

Every download of a report (the CSV and PDF exports here; the archived and the shared PDF in
dashboard.delivery) is named by `report_file_name` and sent through `attachment`.
"""

from __future__ import annotations

from datetime import date

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext


def report_file_name(slug: str, start: date, end: date, extension: str, *, suffix: str = "") -> str:
    """`report-acme-2025-03-01-to-2025-03-31.pdf`: the client and the period, safe in any file system."""
    return f"report-{slug}-{start.isoformat()}-to-{end.isoformat()}{suffix}.{extension}"


def attachment(response: HttpResponse | StreamingHttpResponse | FileResponse, name: str) -> None:
    """Make `response` a download named `name` that no shared cache keeps."""
    response["Content-Disposition"] = content_disposition_header(True, name)
    # Reports are private: no shared cache may keep one.
    response["Cache-Control"] = "private, no-store"


def pdf_response(content: bytes, name: str, *, charts_drawn: bool) -> HttpResponse:
    """A rendered report PDF as a download; `X-Report-Charts` says whether it has charts or tables."""
    response = HttpResponse(content, content_type="application/pdf")
    attachment(response, name)
    response["X-Report-Charts"] = "drawn" if charts_drawn else "tables"
    return response


def too_busy_response(*, retry_after: int = 10) -> HttpResponse:
    """503 for a PDF that found no free slot (dashboard/exports/limits.py): try again in a few seconds."""
    response = HttpResponse(
        gettext("Many reports are being made right now. Please try again in a few seconds."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "private, no-store"
    return response
