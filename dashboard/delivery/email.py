"""The report e-mail: plain text and HTML in the client's language, sent as the agency, the PDF attached.

The figures in the body are the send's stored numbers (what its PDF showed), formatted in the active
language, so an e-mail sent again later says what the first one said.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from clients.email import email_sender
from clients.models import AgencyBranding
from dashboard.delivery.models import ReportSend
from dashboard.reports import sections
from dashboard.reports.periods import Period
from dashboard.reports.selectors import change_ratio


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
        # What other apps add (dashboard.reports.sections), from what the send stored when it was prepared.
        "sections": sections.from_snapshots(numbers.get("sections"), sections.SURFACE_EMAIL),
        "text_sections": sections.from_snapshots(numbers.get("sections"), sections.SURFACE_EMAIL_TEXT),
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
