"""Report delivery and sharing: schedules, the record of every report sent, and share links.

- `ReportSchedule`: when a client's report goes out, to whom, and which period it covers.
- `ReportSend`: one report of one client for one period. The unique constraint on (client, period) is the
  claim that makes a period go out once: a retry, a restart or a second worker finds the existing row.
  Once sent it is the archive: the PDF and the numbers it showed, unchanged by later syncs.
- `ShareLink`: a signed, expiring, revocable link to one client's report for people without an account.

Services that change these rows live in `dashboard.delivery.sends`, `dashboard.delivery.timing` (a schedule's
next run) and `dashboard.delivery.sharing`; admin actions and views call them.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.validators import validate_email_list
from dashboard.exports.downloads import report_file_name


class ReportArchiveStorage(FileSystemStorage):
    """Files under settings.REPORTS_ROOT, read at use (tests point it elsewhere), and with no public URL:
    archived reports are served only by the access-checked download view."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.REPORTS_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @cached_property
    def base_url(self) -> None:  # type: ignore[override]
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("Archived reports have no public URL; use the download view.")


_archive_storage = ReportArchiveStorage()


def archive_storage() -> ReportArchiveStorage:
    return _archive_storage


def archive_upload_to(instance: ReportSend, filename: str) -> str:
    return f"{instance.client_id}/{instance.period_start:%Y}/{filename}"


class ReportSchedule(models.Model):
    """A client's report delivery: how often, on which day and hour (client's time zone), what it covers."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        WEEKLY = "weekly", _("Weekly")
        QUARTERLY = "quarterly", _("Quarterly")

    class Covers(models.TextChoices):
        PREVIOUS_MONTH = "previous_month", _("The previous calendar month")
        PREVIOUS_WEEK = "previous_week", _("The previous week (Monday to Sunday)")
        PREVIOUS_QUARTER = "previous_quarter", _("The previous calendar quarter")
        LAST_7_DAYS = "last_7_days", _("The last 7 days")
        LAST_30_DAYS = "last_30_days", _("The last 30 days")

    class Compare(models.TextChoices):
        PREVIOUS = "previous", _("Previous period")
        YEAR = "year", _("Same period last year")
        NONE = "none", _("No comparison")

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="report_schedule", verbose_name=_("client")
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY, verbose_name=_("frequency")
    )
    day_of_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_(
            "Monthly and quarterly: the day the report goes out. 29, 30 and 31 become the month's last day "
            "in shorter months. Quarterly reports go out in January, April, July and October."
        ),
        verbose_name=_("day of month"),
    )
    weekday = models.PositiveSmallIntegerField(
        default=0,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
        help_text=_("Weekly: the day the report goes out."),
        verbose_name=_("weekday"),
    )
    send_hour = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(23)],
        help_text=_("The hour the report goes out, in the client's time zone."),
        verbose_name=_("send hour"),
    )
    covers = models.CharField(
        max_length=20, choices=Covers.choices, default=Covers.PREVIOUS_MONTH, verbose_name=_("covers")
    )
    compare = models.CharField(
        max_length=10, choices=Compare.choices, default=Compare.PREVIOUS, verbose_name=_("compare")
    )
    recipients = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Who receives the report. Empty: the client's contact e-mails."),
        verbose_name=_("recipients"),
    )
    review_required = models.BooleanField(
        default=False,
        help_text=_("Staff approve each report (a draft) before it goes out."),
        verbose_name=_("review required"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    # The next time the schedule is due (UTC). Set by dashboard.delivery.timing, advanced by
    # dashboard.delivery.sends with a conditional UPDATE so two workers never both act on the same run.
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("next run at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        # Created by the `dashboard` app before report delivery had an app of its own: the table keeps its name.
        db_table = "dashboard_reportschedule"
        ordering = ["client__name"]
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")

    def __str__(self) -> str:
        return f"{self.client}: {self.get_frequency_display()}"

    @property
    def recipient_list(self) -> list[str]:
        own = [email for email in (self.recipients or []) if isinstance(email, str) and email]
        return own or self.client.contact_email_list


class ReportSend(models.Model):
    """One client's report for one period: claimed once, sent once, then archived unchanged."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft, awaiting approval")
        QUEUED = "queued", _("Ready to send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        STAFF = "staff", _("Sent by staff")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="report_sends", verbose_name=_("client"))
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(verbose_name=_("period end"))
    # The comparison the report was made with ("previous", "year", "none"), and its dates.
    compare = models.CharField(max_length=10, default="previous", verbose_name=_("compare"))
    compare_start = models.DateField(null=True, blank=True, verbose_name=_("compare start"))
    compare_end = models.DateField(null=True, blank=True, verbose_name=_("compare end"))
    trigger = models.CharField(
        max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE, verbose_name=_("trigger")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    recipients = models.JSONField(default=list, blank=True, verbose_name=_("recipients"))
    language = models.CharField(max_length=8, blank=True, verbose_name=_("language"))
    subject = models.CharField(max_length=300, blank=True, verbose_name=_("subject"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    # A claimed send belongs to one worker until then; after it, another may take over (a crashed worker).
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("lease until"))
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a failed send is retried."), verbose_name=_("next attempt at")
    )
    # The archive: the PDF as sent and the numbers it showed (ClientReport snapshot, JSON).
    pdf = models.FileField(
        upload_to=archive_upload_to, storage=archive_storage, blank=True, editable=False, verbose_name=_("PDF")
    )
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("PDF SHA-256"))
    charts_drawn = models.BooleanField(
        default=False, help_text=_("False: the PDF has tables in place of charts."), verbose_name=_("charts drawn")
    )
    numbers = models.JSONField(default=dict, blank=True, editable=False, verbose_name=_("numbers"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    resent_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("resent count"))
    last_resent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last resent at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        db_table = "dashboard_reportsend"
        ordering = ["-period_start", "-pk"]
        # Staff's delivery actions (send now, approve a draft, send again), in the app and in the admin.
        permissions = [("send_report", "Can send, approve and re-send reports")]
        verbose_name = _("report sent")
        verbose_name_plural = _("reports sent")
        constraints = [
            # The claim: one report per client and period, whoever asks for it and however often.
            models.UniqueConstraint(fields=["client", "period_start", "period_end"], name="one_send_per_period"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="reportsend_status_retry")]

    def __str__(self) -> str:
        # The admin's headings, messages and row labels: in the staff's language, the period as its column shows it.
        return gettext("{client}, {start} to {end} ({status})").format(
            client=self.client, start=self.period_start, end=self.period_end, status=self.get_status_display()
        )

    @property
    def file_name(self) -> str:
        return report_file_name(self.client.slug, self.period_start, self.period_end, "pdf")

    @property
    def has_pdf(self) -> bool:
        return bool(self.pdf)


def new_share_nonce() -> str:
    return secrets.token_urlsafe(12)


class ShareLink(models.Model):
    """A read-only view of one client's report without a login, until it expires or is revoked.

    The URL carries `<pk>.<nonce>` signed with SECRET_KEY (django.core.signing), so staff can copy the link
    again later; the nonce makes a link from a reset database never match a new row.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="share_links", verbose_name=_("client"))
    nonce = models.CharField(max_length=32, default=new_share_nonce, editable=False, verbose_name=_("nonce"))
    # The report query the link shows (dashboard.reports.periods): {"period": "last_month", "compare": "previous"}
    # or {"start": "2025-03-01", "end": "2025-03-31", "compare": "none"}. Presets keep rolling.
    query = models.JSONField(default=dict, blank=True, verbose_name=_("query"))
    note = models.CharField(
        max_length=200, blank=True, help_text=_("Internal: who the link is for."), verbose_name=_("note")
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_viewed_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last viewed at"))
    views = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("views"))

    class Meta:
        db_table = "dashboard_sharelink"
        ordering = ["-created_at"]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")

    def __str__(self) -> str:
        return gettext("{client}, until {day}").format(client=self.client, day=f"{self.expires_at:%Y-%m-%d}")

    def state(self, now: Any = None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.state() == "active"
