"""What site actions add to the report (dashboard.reports.sections), registered in ActionsConfig.ready():

- "actions-panel" on the site page, for staff only: the action buttons (with the permission), the schedules
  that act on the site and the site's latest runs;
- "actions-bulk" at the end of the client report for staff with the permission: each action on every site
  of the client;
- "work-done" at the end of the client report, the share page, the PDF and the e-mail: the actions that
  ended done in the period ("Cache cleared on 3 Nov, 03:00").
"""

from __future__ import annotations

from typing import Any

from dashboard.actions import selectors
from dashboard.actions.models import SIMPLE_ACTIONS
from dashboard.reports import sections
from dashboard.reports.selectors import AUDIENCE_STAFF

PERM_RUN_ACTION = "actions.run_action"


def build_panel(request: sections.SectionRequest) -> dict[str, Any] | None:
    if request.audience != AUDIENCE_STAFF or request.site_id is None or request.user is None:
        return None
    may_run = request.user.has_perm(PERM_RUN_ACTION)
    return {
        "site_id": request.site_id,
        "client": request.client,
        "actions": SIMPLE_ACTIONS if may_run else [],
        # One row of buttons per environment: each opens the confirmation with that environment chosen.
        "environments": selectors.site_environments(request.site_id) if may_run else [],
        "runs": selectors.recent_runs(request.site_id),
        "schedules": selectors.schedules_for_site(request.site_id, request.client),
    }


def build_bulk(request: sections.SectionRequest) -> dict[str, Any] | None:
    """The client report's bulk actions, for staff with the permission only (never a share link, the PDF or
    the e-mail: those surfaces have no template, and the share page's audience is not staff)."""
    if request.audience != AUDIENCE_STAFF or request.user is None or not request.user.has_perm(PERM_RUN_ACTION):
        return None
    return {"client": request.client, "actions": SIMPLE_ACTIONS}


def build_work_done(request: sections.SectionRequest) -> dict[str, Any] | None:
    items = selectors.work_done(request.client, request.period)
    if not items:
        return None
    return {"items": [item.__dict__ for item in items]}


def register_sections() -> None:
    sections.register(
        sections.Section(
            name="actions-panel",
            build=build_panel,
            templates={sections.SURFACE_SITE: "actions/_site_panel.html"},
            slot=sections.SLOT_END,
            order=50,
        )
    )
    sections.register(
        sections.Section(
            name="actions-bulk",
            build=build_bulk,
            templates={sections.SURFACE_PAGE: "actions/_bulk_panel.html"},
            slot=sections.SLOT_END,
            order=60,
        )
    )
    sections.register(
        sections.Section(
            name="work-done",
            build=build_work_done,
            templates={
                sections.SURFACE_PAGE: "actions/_work_done.html",
                sections.SURFACE_PDF: "actions/_work_done.html",
                sections.SURFACE_EMAIL: "actions/_work_done_email.html",
                sections.SURFACE_EMAIL_TEXT: "actions/_work_done.txt",
            },
            slot=sections.SLOT_END,
            order=40,
            snapshot=lambda data: data,
        )
    )
