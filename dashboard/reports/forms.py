"""Forms for the dashboard's query parameters (the report period form lives in dashboard.reports.periods)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.reports.selectors import BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE, OVERVIEW_SORTS, VISITS

SORT_LABELS = {
    "name": _("Client"),
    "sites": _("Sites"),
    VISITS: _("Visits"),
    "change": _("Change"),
    BANDWIDTH: _("Bandwidth"),
    CDN_BANDWIDTH: _("CDN bandwidth"),
    DISK_USAGE: _("Disk"),
}


class OverviewForm(forms.Form):
    """Search and sorting of the overview. Bad values fall back to the defaults (no error page for these)."""

    q = forms.CharField(required=False, max_length=200, label=_("Search clients, sites and domains"))
    sort = forms.ChoiceField(choices=[(key, SORT_LABELS[key]) for key in OVERVIEW_SORTS], required=False)
    dir = forms.ChoiceField(choices=[("asc", "asc"), ("desc", "desc")], required=False)

    def cleaned_options(self) -> dict[str, Any]:
        valid = self.is_valid()
        data = self.cleaned_data if valid else {}
        sort = data.get("sort") or "name"
        # Figures read best biggest first; names A to Z.
        default_dir = "asc" if sort == "name" else "desc"
        return {
            "q": data.get("q", "") if valid else "",
            "sort": sort,
            "descending": (data.get("dir") or default_dir) == "desc",
        }

    @staticmethod
    def sort_columns() -> list[tuple[str, Any]]:
        """The overview's columns in table order (every one sorts)."""
        return list(SORT_LABELS.items())
