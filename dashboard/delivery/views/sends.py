"""Staff's delivery actions on the Sent reports page: send a period now, approve a draft, send again.

Each checks the client's access first, then refuses everyone but staff with 404, and goes back to the
client's Sent reports page with a message saying what happened.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access import PERM_SEND_REPORTS, get_client_for_user, require_permission
from clients.models import Client
from dashboard.delivery import sends as delivery
from dashboard.delivery.forms import SendNowForm
from dashboard.delivery.models import ReportSend
from dashboard.delivery.views.common import client_periods, reports_url
from dashboard.reports.periods import InvalidPeriod, Period


@require_POST
def send_now_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff: send the report of a period now (any past period too); an already sent one is not repeated."""
    client = get_client_for_user(request.user, slug)
    require_permission(request.user, PERM_SEND_REPORTS)
    form = SendNowForm(request.POST)
    period: Period | None = None
    if form.is_valid():
        query = {
            "start": form.cleaned_data["start"].isoformat(),
            "end": form.cleaned_data["end"].isoformat(),
            "compare": form.cleaned_data["compare"],
        }
        try:
            period, _compare = client_periods(query, client)
        except InvalidPeriod as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose the first and the last day of the period to send."))
    if period is not None:
        compare = form.cleaned_data["compare"]
        _send, state = delivery.send_now(client=client, period=period, compare=compare, by=request.user)
        dates = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        if state == "sent":
            text = _("The report for %(start)s to %(end)s was already sent. Use “Send again” to repeat it.")
            messages.info(request, text % dates)
        elif state == "busy":
            messages.info(request, _("The report for %(start)s to %(end)s is being sent right now.") % dates)
        else:
            text = _("The report for %(start)s to %(end)s is queued and goes out in a moment.")
            messages.success(request, text % dates)
    return redirect(reports_url(client))


def _staff_send(request: HttpRequest, slug: str, send_id: int) -> tuple[Client, ReportSend]:
    client = get_client_for_user(request.user, slug)
    require_permission(request.user, PERM_SEND_REPORTS)
    send = ReportSend.objects.filter(client=client, pk=send_id).select_related("client").first()
    if send is None:
        raise Http404("No such report.")
    return client, send


@require_POST
def approve_view(request: HttpRequest, slug: str, send_id: int) -> HttpResponse:
    client, send = _staff_send(request, slug, send_id)
    if delivery.approve_draft(send, by=request.user):
        messages.success(request, _("Approved: the report goes out in a moment."))
    else:
        messages.info(request, _("This report is not a draft awaiting approval."))
    return redirect(reports_url(client))


@require_POST
def resend_view(request: HttpRequest, slug: str, send_id: int) -> HttpResponse:
    client, send = _staff_send(request, slug, send_id)
    try:
        delivery.resend(send)
    except Exception as exc:
        messages.error(request, _("The report could not be sent again: %(error)s") % {"error": exc})
    else:
        messages.success(
            request,
            _("The archived report was sent again to %(recipients)s.")
            % {"recipients": ", ".join(send.recipients) or "—"},
        )
    return redirect(reports_url(client))
