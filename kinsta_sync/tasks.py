"""django-q2 entry points: thin callers of kinsta_sync.sync."""

from __future__ import annotations

from django_q.tasks import async_task

from kinsta_sync.models import KinstaAccount, SyncRun


def sync_account(account_id: int, steps: str = "all", trigger: str = SyncRun.Trigger.SCHEDULE) -> str:
    from kinsta_sync.sync import STEP_SETS, run_sync

    account = KinstaAccount.objects.get(pk=account_id)
    run = run_sync(account=account, trigger=trigger, steps=STEP_SETS[steps])
    return f"{account.company_id}: {run.status}, {run.requests} requests, {len(run.errors)} errors"


def sync_all_accounts(steps: str = "all") -> str:
    """Queue one sync task per active account, so accounts sync in parallel on several workers."""
    from kinsta_sync.accounts import account_from_environment

    account_from_environment()
    ids = list(KinstaAccount.objects.filter(is_active=True).values_list("pk", flat=True))
    for account_id in ids:
        async_task("kinsta_sync.tasks.sync_account", account_id, steps, task_name=f"kinsta-sync-{account_id}-{steps}")
    return f"queued {len(ids)} account syncs ({steps})"
