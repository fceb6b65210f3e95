"""What this app adds to the report (dashboard.reports.sections): the Maintenance section and the overview's
"Needs attention" column.

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
COLUMN = "needs-attention"


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
