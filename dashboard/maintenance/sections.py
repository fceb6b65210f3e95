"""What this app adds to the report (dashboard.reports.sections): the agency's note, the Maintenance section
and the overview's "Needs attention" column.

The agency's note (slot top, order 10: first on the report) is plain text per client and period, written by
staff with the `maintenance.change_agencynote` permission in a form on the report page; clients, share links,
the PDF and the e-mail read it. An empty note stays out, except for the staff who may write one.

The section sits at the top of the report (slot top, order 20: below the agency's note, above the figures) on
the client report page and the share page, the site page (with the site's plugins, themes and backups), the
PDF and the e-mail. Its data is JSON already (dashboard.maintenance.selectors), so the e-mail's snapshot is the
data itself: an archived send shows what was true when it was prepared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from dashboard.maintenance import selectors
from dashboard.reports import sections

SECTION = "maintenance"
NOTE = "agency-note"
COLUMN = "needs-attention"
# Who may write the agency's note on the report page.
PERM_WRITE_NOTE = "maintenance.change_agencynote"


def can_write_note(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff and user.has_perm(PERM_WRITE_NOTE))


def build_note(request: sections.SectionRequest) -> dict[str, Any] | None:
    """The note for this client and period (one query); on the report page staff who may write get the form
    even when there is no note yet. Everyone else: None without a note."""
    from dashboard.maintenance.models import AgencyNote

    text = (
        AgencyNote.objects.filter(
            client=request.client, period_start=request.period.start, period_end=request.period.end
        )
        .values_list("text", flat=True)
        .first()
    )
    editable = can_write_note(request.user)
    if not text and not editable:
        return None
    return {
        "text": text or "",
        "editable": editable,
        "client_slug": request.client.slug,
        "start": request.period.start.isoformat(),
        "end": request.period.end.isoformat(),
    }


def note_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    return {"text": data["text"]}


def build(request: sections.SectionRequest) -> dict[str, Any] | None:
    data = selectors.maintenance_report(client=request.client, period=request.period, site_id=request.site_id)
    if data is None:
        return None
    data["client_slug"] = request.client.slug
    if request.site_id is not None:
        data.update(selectors.site_details(client=request.client, site_id=request.site_id))
    return data


def snapshot(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in ("installed", "backups")}


def build_column(client_ids: Sequence[int], period: Any, compare: Any) -> dict[int, dict[str, int]]:
    return selectors.needs_attention(client_ids)


def register_all() -> None:
    sections.register(
        sections.Section(
            name=NOTE,
            build=build_note,
            templates={
                sections.SURFACE_PAGE: "maintenance/note_page.html",
                sections.SURFACE_PDF: "maintenance/note_pdf.html",
                sections.SURFACE_EMAIL: "maintenance/note_email.html",
                sections.SURFACE_EMAIL_TEXT: "maintenance/note_email.txt",
            },
            slot=sections.SLOT_TOP,
            order=10,
            snapshot=note_snapshot,
        )
    )
    sections.register(
        sections.Section(
            name=SECTION,
            build=build,
            templates={
                sections.SURFACE_PAGE: "maintenance/section_page.html",
                sections.SURFACE_SITE: "maintenance/section_site.html",
                sections.SURFACE_PDF: "maintenance/section_pdf.html",
                sections.SURFACE_EMAIL: "maintenance/section_email.html",
                sections.SURFACE_EMAIL_TEXT: "maintenance/section_email.txt",
            },
            slot=sections.SLOT_TOP,
            order=20,
            snapshot=snapshot,
            # Plugins, themes, updates and backups come from the sync only; "no backup in 48 hours" is then as
            # of the page's data version (the hourly sync moves it on).
            cached=True,
        )
    )
    sections.register_column(
        sections.OverviewColumn(
            name=COLUMN,
            header=_("Needs attention"),
            build=build_column,
            template="maintenance/overview_cell.html",
            order=20,
        )
    )
