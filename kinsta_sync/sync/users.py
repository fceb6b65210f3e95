"""The users step: the company's users (REFERENCE.md §3.2); users Kinsta stops listing are marked removed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kinsta_sync.models import CompanyUser
from kinsta_sync.sync.strings import fit
from kinsta_sync.sync.upsert import _upsert_changed

if TYPE_CHECKING:
    from kinsta_sync.sync.run import _Context

STEP_USERS = "users"


def sync_users(ctx: _Context) -> None:
    # Reference: REFERENCE.md §3.2.
    parsed = ctx.client.list_users()
    for error in parsed.errors:
        ctx.record_error(STEP_USERS, error, item=error.item_id or "")
    account = ctx.account
    stored = {
        row["kinsta_id"]: row
        for row in CompanyUser.objects.filter(account=account).values(
            "kinsta_id", "email", "full_name", "image", "removed_at"
        )
    }
    counts = ctx.count("users")
    with transaction.atomic():
        user_values = {
            user.id: fit(
                ctx,
                STEP_USERS,
                {
                    "email": user.email,
                    "full_name": user.full_name or "",
                    "image": user.image or "",
                    "removed_at": None,
                },
                resource="user",
                item=user.id,
                endpoint="GET /company/{id}/users",
            )
            for user in parsed.items
        }
        _upsert_changed(
            CompanyUser,
            user_values,
            stored=stored,
            counts=counts,
            unique_fields=["account", "kinsta_id"],
            on_create={"account": account},
        )
        # As for sites: a malformed entry whose id could be read is still listed; one without a readable
        # id could be anybody, so then nobody is marked removed.
        if not parsed.unidentified:
            listed = [u.id for u in parsed.items] + [e.item_id for e in parsed.errors if e.item_id]
            counts.removed += (
                CompanyUser.objects.filter(account=account, removed_at__isnull=True)
                .exclude(kinsta_id__in=listed)
                .update(removed_at=timezone.now())
            )
