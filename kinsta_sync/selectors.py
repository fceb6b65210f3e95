"""Read-only queries over the mirror."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Q

from kinsta_sync.models import KinstaAccount, SyncRun


def last_success_per_account() -> list[tuple[str, datetime | None]]:
    """(company id, end of the last successful sync) for every active account, in one query."""
    rows = (
        KinstaAccount.objects.filter(is_active=True)
        .annotate(last_success=Max("sync_runs__finished_at", filter=Q(sync_runs__status=SyncRun.Status.SUCCESS)))
        .order_by("name")
        .values_list("company_id", "last_success")
    )
    return list(rows)
