"""Admin for report delivery: schedules, the reports sent (with send now, resend, approve), share links.

Actions call the services in dashboard.delivery.sends and dashboard.delivery.sharing, and the next run comes
from dashboard.delivery.timing; nothing here decides who gets a report or when.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext

from clients.access import PERM_REVOKE_SHARE_LINKS, PERM_SEND_REPORTS
from dashboard.delivery import sends as delivery
from dashboard.delivery import sharing, timing
from dashboard.delivery.models import ReportSchedule, ReportSend, ShareLink
from dashboard.reports.periods import Period

_TIMING_FIELDS = ("frequency", "day_of_month", "weekday", "send_hour", "is_active")


class ReportScheduleForm(forms.ModelForm):
    recipients_text = forms.CharField(
        label=gettext_lazy("Recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One address per line. Empty: the client's contact e-mails."),
    )

    class Meta:
        model = ReportSchedule
        fields = [
            "client", "frequency", "day_of_month", "weekday", "send_hour", "covers", "compare", "review_required",
            "is_active",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["recipients_text"].initial = "\n".join(self.instance.recipients or [])

    def clean_recipients_text(self) -> list[str]:
        from clients.validators import validate_email_list

        emails = [line.strip() for line in self.cleaned_data["recipients_text"].replace(",", "\n").splitlines()]
        emails = [email for email in emails if email]
        validate_email_list(emails)
        return emails

    def save(self, commit: bool = True) -> ReportSchedule:
        self.instance.recipients = self.cleaned_data["recipients_text"]
        return super().save(commit=commit)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    form = ReportScheduleForm
    list_display = ("client", "frequency", "when", "covers", "review_required", "is_active", "next_run_local")
    list_filter = ("frequency", "is_active", "review_required")
    search_fields = ("client__name", "client__slug")
    autocomplete_fields = ()
    readonly_fields = ("next_run_local", "next_period")
    fields = (
        "client", "frequency", "day_of_month", "weekday", "send_hour", "covers", "compare", "recipients_text",
        "review_required", "is_active", "next_run_local", "next_period",
    )  # fmt: skip

    @admin.display(description=gettext_lazy("When"))
    def when(self, obj: ReportSchedule) -> str:
        if obj.frequency == ReportSchedule.Frequency.WEEKLY:
            return f"{obj.get_weekday_display()} {obj.send_hour}:00"
        return gettext("day {day}, {hour}:00").format(day=obj.day_of_month, hour=obj.send_hour)

    @admin.display(description=gettext_lazy("Next run (client's time)"))
    def next_run_local(self, obj: ReportSchedule) -> str:
        if not obj.next_run_at:
            return "—"
        local = timezone.localtime(obj.next_run_at, timing.client_zone(obj.client))
        return f"{local:%Y-%m-%d %H:%M} ({obj.client.timezone})"

    @admin.display(description=gettext_lazy("Next report covers"))
    def next_period(self, obj: ReportSchedule) -> str:
        if not obj.pk or not obj.is_active:
            return "—"
        nxt = timing.next_period_for(obj, now=timezone.now())
        return gettext("{start} to {end}").format(start=nxt.period.start, end=nxt.period.end)

    def save_model(self, request: HttpRequest, obj: ReportSchedule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or any(field in form.changed_data for field in _TIMING_FIELDS) or obj.next_run_at is None:
            timing.schedule_reset_next_run(obj)


@admin.register(ReportSend)
class ReportSendAdmin(admin.ModelAdmin):
    list_display = ("client", "period", "status", "trigger", "attempts", "sent_at", "resent_count", "pdf_link")
    list_filter = ("status", "trigger", "client")
    search_fields = ("client__name", "client__slug")
    date_hierarchy = "period_start"
    actions = ("send_now", "approve", "resend")
    readonly_fields = (
        "client", "period_start", "period_end", "compare", "compare_start", "compare_end", "trigger", "status",
        "recipients", "language", "subject", "attempts", "last_error", "lease_until", "next_attempt_at",
        "pdf_link", "pdf_sha256", "charts_drawn", "numbers", "created_by", "approved_by", "approved_at", "sent_at",
        "resent_count", "last_resent_at", "created_at",
    )  # fmt: skip
    exclude = ("pdf",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Reports are made by the schedule or "Send now" (one per client and period), never by hand.
        return False

    @admin.display(description=gettext_lazy("Period"), ordering="period_start")
    def period(self, obj: ReportSend) -> str:
        return gettext("{start} to {end}").format(start=obj.period_start, end=obj.period_end)

    @admin.display(description=gettext_lazy("PDF"))
    def pdf_link(self, obj: ReportSend) -> str:
        if not obj.pdf:
            return "—"
        url = reverse("reports-archive-pdf", args=[obj.client.slug, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.file_name)

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERM_SEND_REPORTS)

    @admin.action(
        description=gettext_lazy("Send now (drafts and failed sends; sent ones are not repeated)"), permissions=["send"]
    )
    def send_now(self, request: HttpRequest, queryset: QuerySet[ReportSend]) -> None:
        counts: dict[str, int] = {}
        for send in queryset.select_related("client"):
            period = Period(send.period_start, send.period_end)
            _send, state = delivery.send_now(client=send.client, period=period, compare=send.compare, by=request.user)
            counts[state] = counts.get(state, 0) + 1
        self.message_user(
            request, "; ".join(_sent_now(state, n) for state, n in sorted(counts.items())) or gettext("Nothing to do.")
        )

    @admin.action(description=gettext_lazy("Approve drafts (they go out as reviewed)"), permissions=["send"])
    def approve(self, request: HttpRequest, queryset: QuerySet[ReportSend]) -> None:
        approved = sum(delivery.approve_draft(send, by=request.user) for send in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d draft approved; it goes out in a moment.",
                "%(count)d drafts approved; they go out in a moment.",
                approved,
            )
            % {"count": approved},
        )

    @admin.action(description=gettext_lazy("Send again (the archived PDF, to its recipients)"), permissions=["send"])
    def resend(self, request: HttpRequest, queryset: QuerySet[ReportSend]) -> None:
        for send in queryset.select_related("client"):
            try:
                delivery.resend(send)
            except Exception as exc:
                self.message_user(request, f"{send}: {exc}", level=messages.ERROR)
            else:
                self.message_user(request, gettext("%(send)s: sent again.") % {"send": send})


def _sent_now(state: str, n: int) -> str:
    """One kind of outcome of "Send now" (dashboard.delivery.sends.send_now), counted."""
    if state == "queued":
        text = ngettext("%(count)d report queued to send", "%(count)d reports queued to send", n)
    elif state == "sent":
        text = ngettext(
            "%(count)d report already sent (use Send again)", "%(count)d reports already sent (use Send again)", n
        )
    elif state == "busy":
        text = ngettext("%(count)d report is being sent right now", "%(count)d reports are being sent right now", n)
    else:
        return f"{n} {state}"
    return text % {"count": n}


# A share link's state as the Sent reports page says it (templates/delivery/reports_page.html).
LINK_STATES = {"active": gettext_lazy("active"), "expired": gettext_lazy("expired"), "revoked": gettext_lazy("revoked")}


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ("client", "note", "query", "state_label", "expires_at", "views", "created_by", "created_at")
    list_filter = ("client",)
    search_fields = ("client__name", "note")
    actions = ("revoke",)
    readonly_fields = ("link", "views", "last_viewed_at", "revoked_at", "revoked_by", "created_by", "created_at")
    fields = ("client", "query", "note", "expires_at", "link", "views", "last_viewed_at", "revoked_at", "revoked_by",
              "created_by", "created_at")  # fmt: skip

    @admin.display(description=gettext_lazy("State"))
    def state_label(self, obj: ShareLink) -> str:
        return str(LINK_STATES.get(obj.state(), obj.state()))

    @admin.display(description=gettext_lazy("Link"))
    def link(self, obj: ShareLink) -> str:
        if not obj.pk:
            return gettext("(after saving)")
        path = sharing.share_path(obj)
        return format_html('<a href="{}">{}</a>', path, path)

    def save_model(self, request: HttpRequest, obj: ShareLink, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            obj.query = sharing.clean_query(obj.query)
        super().save_model(request, obj, form, change)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERM_REVOKE_SHARE_LINKS)

    @admin.action(description=gettext_lazy("Revoke (the link answers 410 from now on)"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareLink]) -> None:
        revoked = sum(sharing.revoke_share_link(link, by=request.user) for link in queryset)
        self.message_user(
            request, ngettext("%(count)d link revoked.", "%(count)d links revoked.", revoked) % {"count": revoked}
        )
