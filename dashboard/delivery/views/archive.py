"""The client's Sent reports page and the archived PDFs.

Everyone who may see the client sees the reports sent to it and downloads them as they were sent; staff
also see drafts and failed sends, the schedule's next run, and the forms to send a period now and to
create share links (their actions: dashboard.delivery.views.sends and .sharing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from clients.access import get_client_for_user, is_staff
from clients.models import Client
from dashboard.delivery import sharing, timing
from dashboard.delivery.forms import SendNowForm, ShareLinkForm
from dashboard.delivery.models import ReportSchedule, ReportSend, ShareLink
from dashboard.delivery.views.common import in_client_context
from dashboard.exports.downloads import attachment, report_file_name
from dashboard.reports import sections
from dashboard.reports.periods import describe_query


@dataclass(frozen=True)
class SendRow:
    id: int
    period_start: date
    period_end: date
    status: str
    status_label: str
    trigger_label: str
    recipients: tuple[str, ...]
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    resent_count: int
    has_pdf: bool
    charts_drawn: bool
    kpis: tuple[dict[str, Any], ...]
    # A draft's review (staff): every section the e-mail will show, from what the send stored (the agency's
    # note first), as {"top": [BuiltSection], "end": [...]}; None for the other sends.
    review: dict[str, list[sections.BuiltSection]] | None = None


@dataclass(frozen=True)
class ShareRow:
    id: int
    url: str
    query: str
    period: str  # the query in words ("Last 7 days, compared with the previous 7 days")
    note: str
    state: str
    expires_at: datetime
    revoked_at: datetime | None
    created_by: str
    views: int


def _send_rows(client: Client, *, staff: bool) -> list[SendRow]:
    sends = ReportSend.objects.filter(client=client).order_by("-period_start", "-pk")
    if not staff:
        sends = sends.filter(status=ReportSend.Status.SENT)
    return [
        SendRow(
            id=s.pk,
            period_start=s.period_start,
            period_end=s.period_end,
            status=s.status,
            status_label=s.get_status_display(),
            trigger_label=s.get_trigger_display(),
            recipients=tuple(s.recipients or ()),
            attempts=s.attempts,
            last_error=s.last_error,
            next_attempt_at=s.next_attempt_at,
            sent_at=s.sent_at,
            resent_count=s.resent_count,
            has_pdf=bool(s.pdf),
            charts_drawn=s.charts_drawn,
            kpis=tuple((s.numbers or {}).get("kpis", [])),
            review=_review(s) if staff and s.status == ReportSend.Status.DRAFT else None,
        )
        for s in sends[:200]
    ]


def _review(send: ReportSend) -> dict[str, list[sections.BuiltSection]]:
    """What a draft's e-mail will show of the installed apps' sections: its stored snapshots, rendered through
    the e-mail templates (dashboard.delivery does not import the apps that made them)."""
    stored = (send.numbers or {}).get("sections")
    return sections.from_snapshots(stored if isinstance(stored, dict) else None, sections.SURFACE_EMAIL)


def _share_rows(request: HttpRequest, client: Client) -> list[ShareRow]:
    now = timezone.now()
    links = ShareLink.objects.filter(client=client).select_related("created_by")[:100]
    return [
        ShareRow(
            id=link.pk,
            url=request.build_absolute_uri(sharing.share_path(link)),
            query=urlencode(link.query) if isinstance(link.query, dict) else "",
            period=describe_query(link.query) if isinstance(link.query, dict) else "",
            note=link.note,
            state=link.state(now),
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            created_by=link.created_by.get_username() if link.created_by else "",
            views=link.views,
        )
        for link in links
    ]


def reports_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Sent reports (everyone who may see the client); delivery status, actions and share links (staff)."""
    client = get_client_for_user(request.user, slug)
    staff = is_staff(request.user)
    language = None if staff else client.language
    with in_client_context(client, language=language):
        context: dict[str, Any] = {"client": client, "sends": _send_rows(client, staff=staff), "staff": staff}
        if staff:
            schedule = ReportSchedule.objects.filter(client=client).first()
            now = timezone.now()
            next_run = None
            if schedule is not None and schedule.is_active:
                next_run = timing.next_period_for(schedule, now=now)
            # The next run's period has not ended yet (the send would refuse it): offer the last complete one.
            default_period = timing.last_complete_period(client, schedule, now=now)
            context.update(
                schedule=schedule,
                next_run=next_run,
                send_form=SendNowForm(
                    initial={
                        "start": default_period.start,
                        "end": default_period.end,
                        "compare": schedule.compare if schedule is not None else ReportSchedule.Compare.PREVIOUS,
                    }
                ),
                share_form=ShareLinkForm(initial={"days": settings.REPORTS_SHARE_LINK_DAYS, "period": "last_month"}),
                share_links=_share_rows(request, client),
                schedule_admin_url=_schedule_admin_url(schedule),
            )
        return render(request, "delivery/reports_page.html", context)


def _schedule_admin_url(schedule: ReportSchedule | None) -> str:
    if schedule is None:
        return reverse("admin:delivery_reportschedule_add")
    return reverse("admin:delivery_reportschedule_change", args=[schedule.pk])


@require_GET
def archive_pdf(request: HttpRequest, slug: str, send_id: int) -> FileResponse:
    """An archived report, byte for byte as it was sent (drafts: staff only, for review)."""
    client = get_client_for_user(request.user, slug)
    sends = ReportSend.objects.filter(client=client, pk=send_id)
    if not is_staff(request.user):
        sends = sends.filter(status=ReportSend.Status.SENT)
    send = sends.first()
    if send is None or not send.pdf:
        raise Http404("No such report.")
    try:
        handle = send.pdf.open("rb")
    except OSError as exc:
        raise Http404("The archived file is missing.") from exc
    response = FileResponse(handle, content_type="application/pdf")
    attachment(response, report_file_name(client.slug, send.period_start, send.period_end, "pdf"))
    return response
