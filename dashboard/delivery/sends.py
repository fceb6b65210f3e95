"""Report delivery: sending each client's report for each period once, and staff's delivery actions.

How a scheduled report goes out (`run_due_deliveries`, every few minutes on django-q2):
1. A schedule whose `next_run_at` has passed names a run time; the period it covers is computed from that
   run time in the client's time zone (`period_for_run`, dashboard.delivery.timing), so a late worker
   still sends the intended period.
2. `ensure_send` creates the `ReportSend` for (client, period), or finds the one that exists: the unique
   constraint makes this the claim on the period, whoever gets there first.
3. The schedule moves on to its next run with a conditional UPDATE (from the `next_run_at` it read), so
   two workers reading the same schedule do the work above once and agree on the next run.
4. Every send that is ready (queued, or failed and due for a retry, or held by a worker whose lease ran
   out) is claimed with a conditional UPDATE (`claim_send`); only the worker whose UPDATE matched renders
   the PDF, stores it with the numbers, sends the e-mail (dashboard.delivery.email) and marks it sent.

A send marked sent is never claimed again, so a django-q2 retry, a restart or a second worker cannot send
it twice. The one gap no database can close: a worker that dies after the mail server accepted the
message and before it marked the send, which makes the send go out again once its lease expires.

Missed runs (the cluster was down for weeks) are not replayed one by one: the latest due run is sent and
staff can send any past period from the client's reports page.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from clients.models import Client
from dashboard.delivery.email import build_email
from dashboard.delivery.models import ReportSchedule, ReportSend
from dashboard.delivery.timing import (
    last_run_at_or_before,
    next_run_after,
    period_for_run,
    period_to_send,
    schedule_reset_next_run,
)
from dashboard.exports.csv import report_numbers
from dashboard.reports import sections
from dashboard.reports.periods import CUSTOM, Period, comparison_period
from dashboard.reports.selectors import AUDIENCE_EMAIL, client_report

logger = logging.getLogger(__name__)

# Retries of a failed e-mail wait 5, 10, 20, 40 ... minutes, at most this long.
RETRY_BASE = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=6)


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


# --- The report ---------------------------------------------------------------------------------------


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
    report = client_report(client=client, period=period, compare=compare, audience=AUDIENCE_EMAIL)
    rendered = render_report_pdf(client=client, report=report, audience=AUDIENCE_EMAIL)
    send.numbers = report_numbers(report, charts_drawn=rendered.charts_drawn)
    # What other apps add to the report (dashboard.reports.sections), as the e-mail will show it.
    # The PDF built them for the same client, period and audience already (rendered.section_data).
    send.numbers["sections"] = sections.snapshots(
        sections.SectionRequest(client, period, compare, AUDIENCE_EMAIL), built=dict(rendered.section_data)
    )
    send.charts_drawn = rendered.charts_drawn
    send.pdf_sha256 = hashlib.sha256(rendered.content).hexdigest()
    if send.pdf:
        send.pdf.delete(save=False)
    send.pdf.save(send.file_name, ContentFile(rendered.content), save=False)
    send.save(update_fields=["numbers", "charts_drawn", "pdf_sha256", "pdf", "updated_at"])
    return send


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
