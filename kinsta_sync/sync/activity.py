"""The activity step: the company activity log, paged newest first down to the last complete pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kinsta_sync.models import ActivityLogEntry, Site
from kinsta_sync.sync.strings import fit
from kinsta_sync.sync.update_activity import merge_update_activity
from kinsta_sync.sync.upsert import _upsert_changed

if TYPE_CHECKING:
    from kinsta_sync.sync.run import _Context

STEP_ACTIVITY = "activity"
ACTIVITY_PAGE_SIZE = 100


_ACTIVITY_FIELDS = (
    "site_id",
    "site_kinsta_id",
    "occurred_at",
    "type",
    "description",
    "is_done",
    "has_failed",
    "has_warning",
    "public_error",
    "ip_address",
    "initiated_by_id",
    "initiated_by_name",
    "initiated_by_role",
    "api_key_name",
)


def _activity_values(entry: Any, site_pk: dict[str, int]) -> dict[str, Any]:
    """An activity entry from Kinsta as the stored fields (`_ACTIVITY_FIELDS`)."""
    return {
        "site_id": site_pk.get(entry.site_id or ""),
        "site_kinsta_id": entry.site_id or "",
        "occurred_at": entry.created_at,
        "type": entry.type,
        "description": "\n".join(entry.descriptions),
        "is_done": entry.is_done,
        "has_failed": entry.has_failed,
        "has_warning": entry.has_warning,
        "public_error": entry.public_error or "",
        "ip_address": entry.ip_address or "",
        "initiated_by_id": entry.initiated_by_id or "",
        "initiated_by_name": entry.initiated_by_name or "",
        "initiated_by_role": entry.initiated_by_role or "",
        "api_key_name": entry.api_key_name or "",
    }


def sync_activity(ctx: _Context) -> None:
    """Page the company activity log, newest first, until the newest entry of the last complete pass.

    Reference: REFERENCE.md §3.5. The cursor moves only when a pass completes, so a pass that fails on
    page 4 of 10 is repeated (idempotently) by the next run instead of leaving pages 5-10 behind.
    """
    account = ctx.account
    site_pk = dict(Site.objects.filter(account=account).values_list("kinsta_id", "id"))
    counts = ctx.count("activity")
    stop_at = {account.activity_cursor_id} if account.activity_cursor_id is not None else set()
    newest_id: int | None = None
    for page in ctx.client.iter_activity_logs(stop_at_ids=stop_at, page_size=ACTIVITY_PAGE_SIZE):
        for error in page.errors:
            ctx.record_error(STEP_ACTIVITY, error)
        if newest_id is None and page.items:
            newest_id = page.items[0].id
        ids = [entry.id for entry in page.items]
        stored = {
            row["kinsta_id"]: row
            for row in ActivityLogEntry.objects.filter(account=account, kinsta_id__in=ids).values(
                "kinsta_id", *_ACTIVITY_FIELDS
            )
        }
        _upsert_changed(
            ActivityLogEntry,
            {
                entry.id: fit(
                    ctx,
                    STEP_ACTIVITY,
                    _activity_values(entry, site_pk),
                    resource="activity",
                    item=str(entry.id),
                    endpoint="GET /company/{id}/activity-logs",
                    text_fields=("description", "public_error"),
                )
                for entry in page.items
            },
            stored=stored,
            counts=counts,
            unique_fields=["account", "kinsta_id"],
            on_create={"account": account},
            on_write={"update_merged": False},  # the update merge reads a new or changed entry (again)
        )
        ctx.flush()
    merge_update_activity(ctx)
    if STEP_ACTIVITY not in ctx.failed_steps and newest_id is not None:
        account.activity_cursor_id = newest_id
        account.save(update_fields=["activity_cursor_id", "updated_at"])
