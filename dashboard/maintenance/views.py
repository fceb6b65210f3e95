"""`GET /clients/<slug>/maintenance.csv`: one row per installed plugin or theme of the client's sites, and
`POST /clients/<slug>/note/`: the agency's note for a report period.

Same access as the report's CSV (`get_client_for_user`: 404 for a client the user may not see; anonymous
users are sent to the login page by the login-required middleware) and the same period query (a bad one is a
400). The rows are the current state of the mirror: the period names the file.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clients.access import get_client_for_user
from dashboard.exports.csv import stream_csv
from dashboard.exports.downloads import attachment, report_file_name
from dashboard.maintenance.models import NOTE_MAX_CHARS, AgencyNote
from dashboard.maintenance.sections import can_write_note
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


@require_POST
def note_save(request: HttpRequest, slug: str) -> HttpResponseRedirect | HttpResponseBadRequest:
    """Save (or, when empty, delete) the agency's note for the posted period; back to that report.

    404 for a client the user may not see, 403 for users who may see it but not write (the client's own users,
    staff without the permission). CSRF is checked by the middleware.
    """
    client = get_client_for_user(request.user, slug)
    if not can_write_note(request.user):
        raise PermissionDenied("You may not write the agency's note.")
    try:
        period, _compare = parse_period(
            {"start": request.POST.get("start", ""), "end": request.POST.get("end", "")}, today=client_today(client)
        )
    except InvalidPeriod as error:
        return HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8")
    # Line breaks as the browser sends them (CR LF) become LF; the text is stored as typed, escaped on output.
    text = request.POST.get("text", "").replace("\r\n", "\n").strip()
    if len(text) > NOTE_MAX_CHARS:
        return HttpResponseBadRequest(
            _("The note is too long (at most %(limit)s characters).") % {"limit": NOTE_MAX_CHARS},
            content_type="text/plain; charset=utf-8",
        )
    key = {"client": client, "period_start": period.start, "period_end": period.end}
    if text:
        AgencyNote.objects.update_or_create(**key, defaults={"text": text, "updated_by": request.user})
        messages.success(request, _("The note was saved."))
    else:
        AgencyNote.objects.filter(**key).delete()
        messages.success(request, _("The note was removed."))
    query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    return HttpResponseRedirect(f"{reverse('reports-client', args=[client.slug])}?{query}")
