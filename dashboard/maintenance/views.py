"""`GET /clients/<slug>/maintenance.csv`: one row per installed plugin or theme of the client's sites.

Same access as the report's CSV (`get_client_for_user`: 404 for a client the user may not see; anonymous
users are sent to the login page by the login-required middleware) and the same period query (a bad one is a
400). The rows are the current state of the mirror: the period names the file.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from clients.access import get_client_for_user
from dashboard.exports.csv import stream_csv
from dashboard.exports.downloads import attachment, report_file_name
from dashboard.maintenance.selectors import csv_rows
from dashboard.reports.periods import InvalidPeriod, parse_period
from dashboard.reports.selectors import client_today

HEADER = (
    "site",
    "site_id",
    "environment",
    "kind",
    "name",
    "title",
    "version",
    "update_version",
    "vulnerable",
    "status",
)


@require_GET
def maintenance_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse | HttpResponseBadRequest:
    client = get_client_for_user(request.user, slug)
    try:
        period, _compare = parse_period(request.GET, today=client_today(client))
    except InvalidPeriod as error:
        return HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(
        stream_csv(HEADER, csv_rows(client=client)), content_type="text/csv; charset=utf-8"
    )
    attachment(response, report_file_name(client.slug, period.start, period.end, "csv", suffix="-maintenance"))
    return response
