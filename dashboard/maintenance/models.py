"""The agency's own words on a report: a note per client and period ("What we did this month")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client

# Long enough for a month's account of work, short enough to stay a note on the first page.
NOTE_MAX_CHARS = 5000


class AgencyNote(models.Model):
    """Plain text staff write on the report page for one client and one report period (start and end, as the
    report's period query names them). Shown at the top of the report, the share page, the PDF and the e-mail,
    escaped, with its line breaks."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="agency_notes", verbose_name=_("client"))
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(verbose_name=_("period end"))
    text = models.TextField(max_length=NOTE_MAX_CHARS, verbose_name=_("text"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["client", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["client", "period_start", "period_end"], name="unique_note_per_period"),
        ]
        verbose_name = _("agency note")
        verbose_name_plural = _("agency notes")

    def __str__(self) -> str:
        return f"{self.client} {self.period_start} to {self.period_end}"
