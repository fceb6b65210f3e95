"""Exports, the archive of sent reports, delivery actions for staff, and share links.

Every view that names a client goes through `clients.access.get_client_for_user` first (404 for clients
the user may not see); staff-only actions then refuse everyone else with 404 too. The share-link views
need no login and show only the linked client's report, read-only.

CSV, summary CSV and PDF take the report page's query (DESIGN.md, "URLs") and read the same
`client_report` selector, so they show the page's numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from clients.access import get_client_for_user, is_staff, require_staff
from clients.logos import logo_response, logo_url
from clients.models import AgencyBranding, Client
from dashboard.delivery import sends as delivery
from dashboard.delivery import sharing
from dashboard.delivery.models import ReportSchedule, ReportSend, ShareLink, report_file_name
from dashboard.exports import csv as exports
from dashboard.reports import cache as report_cache
from dashboard.reports import charts
from dashboard.reports.periods import InvalidPeriod, Period, compare_key, parse_period
from dashboard.reports.selectors import ClientReport, client_report, client_today

# --- Helpers ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _in_client_context(client: Client, *, language: str | None) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        stack.enter_context(timezone.override(client.timezone))
        if language:
            stack.enter_context(translation.override(language))
        yield


def _periods(query: Any, client: Client) -> tuple[Period, Period | None]:
    return parse_period(query, today=client_today(client))


def _bad_period(error: InvalidPeriod) -> HttpResponseBadRequest:
    return HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8")


def _attachment(response: HttpResponse | StreamingHttpResponse | FileResponse, name: str) -> None:
    response["Content-Disposition"] = content_disposition_header(True, name)
    # Reports are private: no shared cache may keep one.
    response["Cache-Control"] = "private, no-store"


def _pdf_response(content: bytes, name: str, *, charts_drawn: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    _attachment(response, name)
    response["X-Report-Charts"] = "drawn" if charts_drawn else "tables"
    return response


# --- CSV and PDF exports ----------------------------------------------------------------------------------


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
    _attachment(response, name)
    return response


@require_GET
def report_summary_csv(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """Per site and environment: the period's totals and the comparison's, as the report shows them."""
    client = get_client_for_user(request.user, slug)
    try:
        period, compare = _periods(request.GET, client)
    except InvalidPeriod as error:
        return _bad_period(error)
    report = client_report(client=client, period=period, compare=compare)
    response = StreamingHttpResponse(
        exports.stream_csv(exports.SUMMARY_HEADER, exports.summary_rows(report)),
        content_type="text/csv; charset=utf-8",
    )
    _attachment(response, report_file_name(client.slug, period.start, period.end, "csv", suffix="-summary"))
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
    report = client_report(client=client, period=period, compare=compare)
    rendered = render_report_pdf(client=client, report=report)
    name = report_file_name(client.slug, period.start, period.end, "pdf")
    return _pdf_response(rendered.content, name, charts_drawn=rendered.charts_drawn)


# --- The reports page: archive, delivery and share links ---------------------------------------------------


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


@dataclass(frozen=True)
class ShareRow:
    id: int
    url: str
    query: str
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
        )
        for s in sends[:200]
    ]


def _share_rows(request: HttpRequest, client: Client) -> list[ShareRow]:
    now = timezone.now()
    links = ShareLink.objects.filter(client=client).select_related("created_by")[:100]
    return [
        ShareRow(
            id=link.pk,
            url=request.build_absolute_uri(sharing.share_path(link)),
            query=urlencode(link.query) if isinstance(link.query, dict) else "",
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
    with _in_client_context(client, language=language):
        context: dict[str, Any] = {"client": client, "sends": _send_rows(client, staff=staff), "staff": staff}
        if staff:
            schedule = ReportSchedule.objects.filter(client=client).first()
            now = timezone.now()
            next_run = None
            if schedule is not None and schedule.is_active:
                next_run = delivery.next_period_for(schedule, now=now)
            # The next run's period has not ended yet (the send would refuse it): offer the last complete one.
            default_period = delivery.last_complete_period(client, schedule, now=now)
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
    _attachment(response, report_file_name(client.slug, send.period_start, send.period_end, "pdf"))
    return response


# --- Staff actions ------------------------------------------------------------------------------------------


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SendNowForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), input_formats=["%Y-%m-%d"], widget=_DATE)
    end = forms.DateField(label=gettext_lazy("To"), input_formats=["%Y-%m-%d"], widget=_DATE)
    compare = forms.ChoiceField(label=gettext_lazy("Compare with"), choices=ReportSchedule.Compare.choices)


class ShareLinkForm(forms.Form):
    period = forms.CharField(required=False, widget=forms.HiddenInput)
    start = forms.CharField(required=False, widget=forms.HiddenInput)
    end = forms.CharField(required=False, widget=forms.HiddenInput)
    compare = forms.CharField(required=False, widget=forms.HiddenInput)
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1, max_value=366)
    note = forms.CharField(label=gettext_lazy("Note (who it is for)"), required=False, max_length=200)


def _reports_url(client: Client) -> str:
    return reverse("reports-archive", args=[client.slug])


@require_POST
def send_now_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff: send the report of a period now (any past period too); an already sent one is not repeated."""
    client = get_client_for_user(request.user, slug)
    require_staff(request.user)
    form = SendNowForm(request.POST)
    period: Period | None = None
    if form.is_valid():
        query = {
            "start": form.cleaned_data["start"].isoformat(),
            "end": form.cleaned_data["end"].isoformat(),
            "compare": form.cleaned_data["compare"],
        }
        try:
            period, _compare = _periods(query, client)
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
    return redirect(_reports_url(client))


def _staff_send(request: HttpRequest, slug: str, send_id: int) -> tuple[Client, ReportSend]:
    client = get_client_for_user(request.user, slug)
    require_staff(request.user)
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
    return redirect(_reports_url(client))


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
    return redirect(_reports_url(client))


@require_POST
def share_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    require_staff(request.user)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The share link was not created: choose how many days it is valid (1 to 366)."))
        return redirect(_reports_url(client))
    query = sharing.clean_query(form.cleaned_data)
    try:
        _periods(query, client)
    except InvalidPeriod as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_reports_url(client))
    link = sharing.create_share_link(
        client=client, query=query, days=form.cleaned_data["days"], created_by=request.user,
        note=form.cleaned_data["note"],
    )  # fmt: skip
    url = request.build_absolute_uri(sharing.share_path(link))
    messages.success(request, _("Share link created (valid until %(day)s): %(url)s") % {
        "day": timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M"), "url": url,
    })  # fmt: skip
    return redirect(_reports_url(client))


@require_POST
def share_revoke_view(request: HttpRequest, slug: str, link_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    require_staff(request.user)
    link = ShareLink.objects.filter(client=client, pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    if sharing.revoke_share_link(link, by=request.user):
        messages.success(request, _("The share link was revoked; it now answers “no longer available”."))
    else:
        messages.info(request, _("The share link was already revoked."))
    return redirect(_reports_url(client))


# --- Share links (no login) -----------------------------------------------------------------------------------


def _shared(request: HttpRequest, token: str) -> tuple[ShareLink, HttpResponse | None]:
    resolved = sharing.resolve_share_token(token)
    if resolved is None:
        raise Http404("No such link.")
    if resolved.state != "active":
        link = resolved.link
        with translation.override(link.client.language):
            response = render(
                request,
                "delivery/share_gone.html",
                {"state": resolved.state, "agency": AgencyBranding.get()},
                status=410,
            )
        return link, _private(response)
    return resolved.link, None


def _private(response: HttpResponse) -> HttpResponse:
    # The token is the password: keep it out of caches, referrers and search engines.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _shared_report(link: ShareLink) -> tuple[ClientReport, str]:
    query = QueryDict(mutable=True)
    query.update(sharing.clean_query(link.query))
    period, compare = _periods(query, link.client)
    return client_report(client=link.client, period=period, compare=compare), compare_key(compare)


@login_not_required
@never_cache
@require_GET
def share_view(request: HttpRequest, token: str) -> HttpResponse:
    """The linked client's report, read-only: no picker, no links into the app, no staff actions."""
    link, gone = _shared(request, token)
    if gone is not None:
        return gone
    client = link.client
    with _in_client_context(client, language=client.language):
        try:
            report, _compare = _shared_report(link)
        except InvalidPeriod as error:
            return _private(HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8"))
        sharing.record_view(link)
        # The logo through this link: the visitor has no login for the client's own logo URL.
        logo = logo_url(reverse("reports-share-logo", args=[token]), client.logo)
        context = {
            "client": replace(report.client, logo_url=logo),
            "report": report,
            "charts": charts.client_charts(report),
            "plotly_locale": charts.plotly_locale(),
            "agency": AgencyBranding.get(),
            "token": token,
            "expires_at": link.expires_at,
        }
        return _private(render(request, "delivery/share.html", context))


@login_not_required
@never_cache
@require_GET
def share_pdf(request: HttpRequest, token: str) -> HttpResponse:
    from dashboard.exports.pdf import render_report_pdf

    link, gone = _shared(request, token)
    if gone is not None:
        return gone
    try:
        report, _compare = _shared_report(link)
    except InvalidPeriod as error:
        return _private(HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8"))
    rendered = render_report_pdf(client=link.client, report=report)
    name = report_file_name(link.client.slug, report.period.start, report.period.end, "pdf")
    return _private(_pdf_response(rendered.content, name, charts_drawn=rendered.charts_drawn))


@login_not_required
@require_safe
def share_logo(request: HttpRequest, token: str, agency: bool = False) -> HttpResponse:
    """The linked client's logo (or the agency's) for the share page, while the link works (410 after)."""
    link, gone = _shared(request, token)
    if gone is not None:
        return gone
    return logo_response(request, AgencyBranding.get().logo if agency else link.client.logo)
