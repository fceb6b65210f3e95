"""Report delivery: when a client's report is due, which period it covers, and sending each period once.

How a scheduled report goes out (`run_due_deliveries`, every few minutes on django-q2):
1. A schedule whose `next_run_at` has passed names a run time; the period it covers is computed from that
   run time in the client's time zone (`period_for_run`), so a late worker still sends the intended period.
2. `ensure_send` creates the `ReportSend` for (client, period), or finds the one that exists: the unique
   constraint makes this the claim on the period, whoever gets there first.
3. The schedule moves on to its next run with a conditional UPDATE (from the `next_run_at` it read), so
   two workers reading the same schedule do the work above once and agree on the next run.
4. Every send that is ready (queued, or failed and due for a retry, or held by a worker whose lease ran
   out) is claimed with a conditional UPDATE (`claim_send`); only the worker whose UPDATE matched renders
   the PDF, stores it with the numbers, sends the e-mail and marks it sent.

A send marked sent is never claimed again, so a django-q2 retry, a restart or a second worker cannot send
it twice. The one gap no database can close: a worker that dies after the mail server accepted the
message and before it marked the send, which makes the send go out again once its lease expires.

Missed runs (the cluster was down for weeks) are not replayed one by one: the latest due run is sent and
staff can send any past period from the client's reports page.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from clients.email import email_sender
from clients.models import AgencyBranding, Client
from dashboard.delivery.models import ReportSchedule, ReportSend, report_file_name
from dashboard.exports.csv import report_numbers
from dashboard.reports.periods import CALENDAR, CUSTOM, Period, comparison_period, is_whole_months
from dashboard.reports.selectors import change_ratio, client_report

logger = logging.getLogger(__name__)

# Retries of a failed e-mail wait 5, 10, 20, 40 ... minutes, at most this long.
RETRY_BASE = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=6)


# --- When: run times in the client's time zone ----------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def client_zone(client: Client) -> zoneinfo.ZoneInfo:
    return _zone(client.timezone)


def _clamped(year: int, month: int, day: int) -> date:
    """Day `day` of the month, or the month's last day when it is shorter (31 -> 28/29 February, 30 April)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _at(day: date, hour: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """`hour`:00 on `day` in the zone, as an aware UTC time. An hour skipped by a daylight-saving change
    (02:00 on the last Sunday of March in Berlin) becomes the same wall time an hour later."""
    local = datetime.combine(day, time(hour), tzinfo=zone)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def _local_day(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _run_days(schedule: ReportSchedule, around: date) -> list[date]:
    """The schedule's run days near `around` (from a period before it to a period after), in order."""
    if schedule.frequency == ReportSchedule.Frequency.WEEKLY:
        monday = around - timedelta(days=around.weekday())
        return [monday + timedelta(days=7 * week + schedule.weekday) for week in (-1, 0, 1, 2)]
    step = 3 if schedule.frequency == ReportSchedule.Frequency.QUARTERLY else 1
    first_month = around.month
    if step == 3:
        first_month = around.month - (around.month - 1) % 3  # January, April, July or October
    days = []
    for offset in (-step, 0, step, 2 * step):
        year, month = _add_months(around.year, first_month, offset)
        days.append(_clamped(year, month, schedule.day_of_month))
    return days


def next_run_after(schedule: ReportSchedule, moment: datetime) -> datetime:
    """The schedule's first run time strictly after `moment`."""
    zone = _zone(schedule.client.timezone)
    for day in _run_days(schedule, _local_day(moment, zone)):
        run = _at(day, schedule.send_hour, zone)
        if run > moment:
            return run
    raise AssertionError("a run within two periods always exists")  # pragma: no cover


def last_run_at_or_before(schedule: ReportSchedule, moment: datetime) -> datetime:
    """The schedule's latest run time at or before `moment`."""
    zone = _zone(schedule.client.timezone)
    runs = [_at(day, schedule.send_hour, zone) for day in _run_days(schedule, _local_day(moment, zone))]
    return max(run for run in runs if run <= moment)


# --- What: the period a run covers ----------------------------------------------------------------------


def period_for_run(schedule: ReportSchedule, run_at: datetime) -> Period:
    """The period a run covers, from the run's day in the client's time zone (a run at 00:30 on 1 March
    in Berlin is 23:30 on 28 February in UTC, and covers February).

    A calendar month or quarter is a `CALENDAR` period (compared with the calendar months before it); a
    week or the last 7 or 30 days are days (compared with as many days before, even when the 30 days
    happen to be November)."""
    today = _local_day(run_at, _zone(schedule.client.timezone))
    covers = schedule.covers
    if covers == ReportSchedule.Covers.PREVIOUS_WEEK:
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(monday, monday + timedelta(days=6))
    if covers == ReportSchedule.Covers.PREVIOUS_QUARTER:
        quarter_start = date(today.year, today.month - (today.month - 1) % 3, 1)
        year, month = _add_months(quarter_start.year, quarter_start.month, -3)
        return Period(date(year, month, 1), quarter_start - timedelta(days=1), CALENDAR)
    if covers == ReportSchedule.Covers.LAST_7_DAYS:
        return Period(today - timedelta(days=7), today - timedelta(days=1))
    if covers == ReportSchedule.Covers.LAST_30_DAYS:
        return Period(today - timedelta(days=30), today - timedelta(days=1))
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return Period(last.replace(day=1), last, CALENDAR)


_ROLLING_COVERS = (ReportSchedule.Covers.LAST_7_DAYS, ReportSchedule.Covers.LAST_30_DAYS)


def period_to_send(schedule: ReportSchedule | None, start: date, end: date) -> Period:
    """The period staff send by hand, compared as the client's scheduled reports are: whole calendar months
    are a calendar report (November against October), unless the schedule covers rolling days (the last 7
    or 30 days, against as many days before); any other range is a range of days."""
    rolling = schedule is not None and schedule.covers in _ROLLING_COVERS
    if is_whole_months(start, end) and not rolling:
        return Period(start, end, CALENDAR)
    return Period(start, end)


def last_complete_period(client: Client, schedule: ReportSchedule | None, *, now: datetime) -> Period:
    """The period "Send a report now" offers: the one of the schedule's latest run at or before `now` (on
    2 December with a monthly schedule: November), which has ended, unlike the next run's; without a
    schedule, last month in the client's time zone."""
    if schedule is not None:
        return period_for_run(schedule, last_run_at_or_before(schedule, now))
    today = _local_day(now, client_zone(client))
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return Period(last.replace(day=1), last, CALENDAR)


@dataclass(frozen=True)
class NextRun:
    run_at: datetime
    period: Period


def next_period_for(schedule: ReportSchedule, *, now: datetime) -> NextRun:
    """The next run at or after `now` (the stored one if it is still ahead) and the period it will cover."""
    run_at = schedule.next_run_at if schedule.next_run_at and schedule.next_run_at >= now else None
    run_at = run_at or next_run_after(schedule, now - timedelta(microseconds=1))
    return NextRun(run_at=run_at, period=period_for_run(schedule, run_at))


def schedule_reset_next_run(schedule: ReportSchedule, *, now: datetime | None = None) -> datetime:
    """Set the next run from now (after the schedule was created or its timing changed)."""
    now = now or timezone.now()
    schedule.next_run_at = next_run_after(schedule, now)
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=schedule.next_run_at)
    return schedule.next_run_at


# --- The claim ------------------------------------------------------------------------------------------


def ensure_send(
    *,
    client: Client,
    period: Period,
    compare: str,
    recipients: list[str],
    trigger: str = ReportSend.Trigger.SCHEDULE,
    review_required: bool = False,
    created_by: Any = None,
) -> tuple[ReportSend, bool]:
    """The send for (client, period): created when none exists (a draft when staff review first), else the
    existing one untouched. The unique constraint decides between concurrent callers."""
    compare_to = comparison_period(period, compare)
    defaults = {
        "compare": compare,
        "compare_start": compare_to.start if compare_to else None,
        "compare_end": compare_to.end if compare_to else None,
        "trigger": trigger,
        "status": ReportSend.Status.DRAFT if review_required else ReportSend.Status.QUEUED,
        "recipients": list(recipients),
        "language": client.language,
        "created_by": created_by,
    }
    lookup = {"client": client, "period_start": period.start, "period_end": period.end}
    existing = ReportSend.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return ReportSend.objects.create(**lookup, **defaults), True
    except IntegrityError:
        # Another worker created it between our read and our insert: theirs is the one.
        return ReportSend.objects.get(**lookup), False


def _claimable(now: datetime) -> Q:
    max_attempts = settings.REPORTS_SEND_MAX_ATTEMPTS
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (
        Q(status=ReportSend.Status.QUEUED)
        | (Q(status=ReportSend.Status.FAILED, attempts__lt=max_attempts) & due)
        | Q(status=ReportSend.Status.SENDING, lease_until__lt=now, attempts__lt=max_attempts)
    )


def claim_send(send_id: int, *, now: datetime | None = None) -> bool:
    """Take a ready send for this worker: True for exactly one caller (a conditional UPDATE)."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.REPORTS_SEND_LEASE_SECONDS)
    claimed = ReportSend.objects.filter(_claimable(now), pk=send_id).update(
        status=ReportSend.Status.SENDING, attempts=F("attempts") + 1, lease_until=now + lease
    )
    return claimed == 1


# --- The report and the e-mail ---------------------------------------------------------------------------


def prepare_send(send: ReportSend) -> ReportSend:
    """Render the send's report once: the PDF and the numbers it shows, stored for the archive.

    Called for a new draft (so staff review the real PDF) and, for sends without one yet, by the worker
    holding the claim. Later syncs never change a stored report.
    """
    from dashboard.exports.pdf import render_report_pdf

    client = send.client
    period = Period(send.period_start, send.period_end)
    # The comparison was fixed with the send (`ensure_send`, from how its period was chosen); the dates
    # alone could not tell a calendar month from 30 days that happen to be one.
    if send.compare_start is not None and send.compare_end is not None:
        compare: Period | None = Period(send.compare_start, send.compare_end, send.compare)
    else:
        compare = comparison_period(period, send.compare) if send.compare else None
    report = client_report(client=client, period=period, compare=compare)
    rendered = render_report_pdf(client=client, report=report)
    send.numbers = report_numbers(report, charts_drawn=rendered.charts_drawn)
    send.charts_drawn = rendered.charts_drawn
    send.pdf_sha256 = hashlib.sha256(rendered.content).hexdigest()
    if send.pdf:
        send.pdf.delete(save=False)
    send.pdf.save(send.file_name, ContentFile(rendered.content), save=False)
    send.save(update_fields=["numbers", "charts_drawn", "pdf_sha256", "pdf", "updated_at"])
    return send


def _display_name(branding: AgencyBranding) -> str:
    # A line break in a header is refused by Django (header injection); names are one line anyway.
    return " ".join((branding.sender_name or branding.name or "").split())


def email_context(send: ReportSend, branding: AgencyBranding) -> dict[str, Any]:
    """What the e-mail templates show, formatted in the active language from the send's stored numbers."""
    from dashboard.reports.templatetags.reports import (
        format_bytes,
        format_count,
        format_percent,
        length_note,
        safe_color,
    )

    numbers = send.numbers or {}
    period = _stored_period(numbers.get("period")) or Period(send.period_start, send.period_end)
    compare = _stored_period(numbers.get("compare"))
    labels = {
        "visits": translation.gettext("Visits"),
        "bandwidth": translation.gettext("Bandwidth"),
        "cdn_bandwidth": translation.gettext("CDN bandwidth"),
        "disk_usage": translation.gettext("Disk usage"),
    }

    def fmt(metric: str, value: int | None) -> str:
        if value is None:
            return translation.gettext("no data")
        return format_count(value) if metric == "visits" else format_bytes(value)

    kpis = []
    for kpi in numbers.get("kpis", []):
        metric = kpi.get("metric", "")
        value, previous = kpi.get("value"), kpi.get("previous")
        # The change the PDF showed, stored with it; for reports archived without one, the report's
        # definition (per day when the periods differ in length) from the stored figures and periods.
        if "change" in kpi:
            ratio = kpi["change"] if isinstance(kpi["change"], int | float) and compare is not None else None
        else:
            ratio = change_ratio(
                metric, value, previous, days=period.days, compare_days=compare.days if compare is not None else 0
            )
        change = format_percent(ratio) if ratio is not None else None
        kpis.append(
            {
                "label": labels.get(metric, metric),
                "value": fmt(metric, value),
                "previous": fmt(metric, previous) if numbers.get("compare") else "",
                "change": change or "",
            }
        )
    return {
        "client_name": send.client.name,
        "agency_name": branding.name,
        "sender_name": _display_name(branding),
        "reply_to": branding.reply_to,
        "brand_color": safe_color(send.client.brand_color),
        "period_start": send.period_start,
        "period_end": send.period_end,
        "compare_start": send.compare_start,
        "compare_end": send.compare_end,
        "kpis": kpis,
        # "October has 31 days, November 30: ..." when the two periods differ in length, else "".
        "length_note": length_note(period, compare),
        "sites": len([s for s in numbers.get("sites", []) if s.get("is_live")]),
        "charts_drawn": send.charts_drawn,
        "file_name": send.file_name,
    }


def _stored_period(stored: Any) -> Period | None:
    """A period from a send's stored numbers ({"start": ISO date, "end": ISO date, ...}); None if unusable."""
    if not isinstance(stored, dict):
        return None
    try:
        return Period(date.fromisoformat(stored["start"]), date.fromisoformat(stored["end"]))
    except (KeyError, TypeError, ValueError):
        return None


def build_email(send: ReportSend, *, recipients: list[str] | None = None) -> EmailMultiAlternatives:
    """The report e-mail in the client's language: plain text and HTML, white-label, the PDF attached."""
    branding = AgencyBranding.get()
    with translation.override(send.language or send.client.language or settings.LANGUAGE_CODE):
        context = email_context(send, branding)
        subject = " ".join(render_to_string("delivery/emails/report_subject.txt", context).split())
        text = render_to_string("delivery/emails/report.txt", context)
        html = render_to_string("delivery/emails/report.html", context)
    from_email, reply_to = email_sender(branding=branding)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email,
        to=recipients if recipients is not None else list(send.recipients),
        reply_to=reply_to,
    )
    message.attach_alternative(html, "text/html")
    with send.pdf.open("rb") as handle:
        message.attach(send.file_name, handle.read(), "application/pdf")
    return message


def _retry_delay(attempts: int) -> timedelta:
    return min(RETRY_MAX, RETRY_BASE * 2 ** max(0, attempts - 1))


def deliver(send_id: int, *, now: datetime | None = None) -> str:
    """Claim one send and, if this worker got it, render (when not done yet), e-mail and mark it.

    Returns "sent", "failed" or "skipped" (someone else has it, or it is not ready). Errors are recorded on
    the send (`last_error`, `next_attempt_at`), never raised: the next run retries.
    """
    now = now or timezone.now()
    if not claim_send(send_id, now=now):
        return "skipped"
    send = ReportSend.objects.select_related("client").get(pk=send_id)
    try:
        if not send.pdf:
            prepare_send(send)
        if not send.recipients:
            raise ValueError("No recipients: set them on the schedule or the client's contact e-mails.")
        message = build_email(send)
        send.subject = message.subject
        ReportSend.objects.filter(pk=send.pk).update(subject=message.subject)
        message.send(fail_silently=False)
    except Exception as exc:
        logger.exception("Report e-mail %s for %s failed", send.pk, send.client.slug)
        ReportSend.objects.filter(pk=send.pk, status=ReportSend.Status.SENDING).update(
            status=ReportSend.Status.FAILED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _retry_delay(send.attempts),
            lease_until=None,
        )
        return "failed"
    ReportSend.objects.filter(pk=send.pk, status=ReportSend.Status.SENDING).update(
        status=ReportSend.Status.SENT, sent_at=timezone.now(), last_error="", lease_until=None, next_attempt_at=None
    )
    return "sent"


# --- The scheduled run -----------------------------------------------------------------------------------


def _run_schedule(schedule: ReportSchedule, now: datetime) -> str:
    run_at = last_run_at_or_before(schedule, now)
    if run_at < schedule.next_run_at:  # type: ignore[operator]
        # The stored run is not one of the schedule's run times (its timing was edited without a reset):
        # no run has come since, so only move on to the next real one.
        ReportSchedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
            next_run_at=next_run_after(schedule, now)
        )
        return f"{schedule.client.slug}: not due"
    period = period_for_run(schedule, run_at)
    send, created = ensure_send(
        client=schedule.client,
        period=period,
        compare=schedule.compare,
        recipients=schedule.recipient_list,
        review_required=schedule.review_required,
    )
    ReportSchedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
        next_run_at=next_run_after(schedule, now)
    )
    if created and send.status == ReportSend.Status.DRAFT:
        try:
            prepare_send(send)
        except Exception:
            logger.exception("Draft report %s could not be rendered", send.pk)
    state = "created" if created else "exists"
    return f"{schedule.client.slug}: {period.start} to {period.end} {state} ({send.status})"


def run_due_deliveries(*, now: datetime | None = None) -> list[str]:
    """Everything due at `now`: schedules whose run time has come, then every send ready to go out."""
    now = now or timezone.now()
    log: list[str] = []
    schedules = ReportSchedule.objects.filter(is_active=True, client__is_active=True).select_related("client")
    for schedule in schedules.filter(next_run_at__isnull=True):
        schedule_reset_next_run(schedule, now=now)
    for schedule in schedules.filter(next_run_at__lte=now):
        try:
            log.append(_run_schedule(schedule, now))
        except Exception as exc:
            # One client's broken schedule must not hold up the others; it stays due and is tried again.
            logger.exception("Report schedule of %s failed", schedule.client.slug)
            log.append(f"{schedule.client.slug}: error {type(exc).__name__}: {exc}")
    ready = ReportSend.objects.filter(_claimable(now), client__is_active=True).order_by("pk")
    for send_id in list(ready.values_list("pk", flat=True)):
        log.append(f"send {send_id}: {deliver(send_id, now=now)}")
    return log


# --- Staff actions ---------------------------------------------------------------------------------------


def send_now(*, client: Client, period: Period, compare: str, by: Any) -> tuple[ReportSend, str]:
    """Staff: send this period's report (now, on the cluster). Returns the send and what happened:
    "queued" (new, or a draft or failed send put back in line), "sent" (already sent: use resend),
    "busy" (a worker is sending it).

    A range of dates (`CUSTOM`) is compared as the schedule's reports are (`period_to_send`)."""
    schedule = ReportSchedule.objects.filter(client=client).first()
    if period.kind == CUSTOM:
        period = period_to_send(schedule, period.start, period.end)
    recipients = schedule.recipient_list if schedule else client.contact_email_list
    send, created = ensure_send(
        client=client,
        period=period,
        compare=compare,
        recipients=recipients,
        trigger=ReportSend.Trigger.STAFF,
        created_by=by,
    )
    if created:
        state = "queued"
    elif send.status == ReportSend.Status.SENT:
        return send, "sent"
    elif send.status == ReportSend.Status.SENDING:
        return send, "busy"
    else:
        updated = ReportSend.objects.filter(
            pk=send.pk, status__in=[ReportSend.Status.DRAFT, ReportSend.Status.FAILED, ReportSend.Status.QUEUED]
        ).update(
            status=ReportSend.Status.QUEUED,
            approved_by=by if send.status == ReportSend.Status.DRAFT else send.approved_by,
            approved_at=timezone.now() if send.status == ReportSend.Status.DRAFT else send.approved_at,
            next_attempt_at=None,
        )
        state = "queued" if updated else "busy"
    _queue_delivery(send.pk)
    send.refresh_from_db()
    return send, state


def approve_draft(send: ReportSend, *, by: Any) -> bool:
    """Staff approved the draft: it goes out as reviewed (its stored PDF). False if it was not a draft."""
    approved = ReportSend.objects.filter(pk=send.pk, status=ReportSend.Status.DRAFT).update(
        status=ReportSend.Status.QUEUED, approved_by=by, approved_at=timezone.now()
    )
    if approved:
        _queue_delivery(send.pk)
    return bool(approved)


def resend(send: ReportSend, *, recipients: list[str] | None = None) -> None:
    """Staff: e-mail an already sent report again, the archived PDF unchanged. Raises on failure."""
    if send.status != ReportSend.Status.SENT or not send.pdf:
        raise ValueError("Only a sent report can be sent again.")
    message = build_email(send, recipients=recipients)
    message.send(fail_silently=False)
    ReportSend.objects.filter(pk=send.pk).update(resent_count=F("resent_count") + 1, last_resent_at=timezone.now())


def _queue_delivery(send_id: int) -> None:
    """Deliver on the cluster right away; if the queue is unavailable, the next scheduled run does it."""
    from django_q.tasks import async_task

    try:
        async_task("dashboard.delivery.tasks.deliver_send", send_id, task_name=f"report-send-{send_id}")
    except Exception:
        logger.warning("Could not queue report send %s; the next scheduled run sends it", send_id, exc_info=True)


def archive_name(send: ReportSend) -> str:
    return report_file_name(send.client.slug, send.period_start, send.period_end, "pdf")
