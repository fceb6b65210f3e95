"""The sync's health for staff: each Kinsta account's key and last success, the runs, and "Sync now"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from kinsta_sync.models import KinstaAccount, SyncRun


@dataclass(frozen=True)
class SyncRunRow:
    id: int
    account_id: int
    account_name: str
    trigger: str
    trigger_label: str
    steps: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None
    status: str
    status_label: str
    counts: dict[str, dict[str, int]]
    requests: int
    throttled: int
    retries: int
    errors: tuple[dict[str, str], ...]
    current_step: str
    progress_done: int
    progress_total: int

    @property
    def is_running(self) -> bool:
        return self.status == SyncRun.Status.RUNNING

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to end, never negative (as SyncRun.duration_seconds); None while running."""
        if self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def progress_percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))


@dataclass(frozen=True)
class AccountHealth:
    id: int
    name: str
    company_id: str
    masked_api_key: str
    api_key_status: str
    api_key_expires_at: datetime | None
    last_success_at: datetime | None
    running: SyncRunRow | None
    last_run: SyncRunRow | None

    @property
    def key_expires_soon(self) -> bool:
        if self.api_key_expires_at is None:
            return False
        return self.api_key_expires_at - timezone.now() < timedelta(days=14)


# The sync's own words in the staff's language: the run's trigger and status as SyncRun labels them (the
# admin shows the same). A value missing here shows as stored; Kinsta's messages (an error's text) always do.
TRIGGER_LABELS = dict(SyncRun.Trigger.choices)
STATUS_LABELS = dict(SyncRun.Status.choices)
# Steps (and the resources a run counts).
STEP_LABELS = {
    "validate": pgettext_lazy("sync step", "API key"),
    "regions": pgettext_lazy("sync step", "regions"),
    "sites": pgettext_lazy("sync step", "sites"),
    "environments": pgettext_lazy("sync step", "environments"),
    "users": pgettext_lazy("sync step", "users"),
    "activity": pgettext_lazy("sync step", "activity"),
    "analytics": pgettext_lazy("sync step", "analytics"),
    "traffic": pgettext_lazy("sync step", "traffic"),
    "wordpress": pgettext_lazy("sync step", "plugins, themes and backups"),
    "installed_items": pgettext_lazy("sync step", "plugins and themes"),
    "backups": pgettext_lazy("sync step", "backups"),
    "update_events": pgettext_lazy("sync step", "updates seen"),
}
COUNT_LABELS = {
    "created": pgettext_lazy("sync count", "created"),
    "updated": pgettext_lazy("sync count", "updated"),
    "unchanged": pgettext_lazy("sync count", "unchanged"),
    "removed": pgettext_lazy("sync count", "removed"),
    "skipped": pgettext_lazy("sync count", "skipped"),
    "failed": pgettext_lazy("sync count", "failed"),
}


def _label(labels: dict[str, str], value: str) -> str:
    return str(labels.get(value, value))


def _lease_held(account: KinstaAccount) -> bool:
    return account.sync_lease_until is not None and account.sync_lease_until > timezone.now()


def _run_row(run: SyncRun, account_name: str, *, lease_held: bool = True) -> SyncRunRow:
    """A run as the pages show it. A run still marked running whose account's lease has lapsed was left by a
    process that died (a live run renews its lease every few seconds): it shows as failed at once, before the
    next run closes it for good."""
    errors = run.errors if isinstance(run.errors, list) else []
    counts = run.counts if isinstance(run.counts, dict) else {}
    status, status_label = run.status, _label(STATUS_LABELS, run.status)
    if status == SyncRun.Status.RUNNING and not lease_held:
        status, status_label = SyncRun.Status.FAILED, gettext("Stopped (the process running it died)")
    return SyncRunRow(
        id=run.pk,
        account_id=run.account_id,
        account_name=account_name,
        trigger=run.trigger,
        trigger_label=_label(TRIGGER_LABELS, run.trigger),
        steps=tuple(str(s) for s in (run.steps or [])),
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=status,
        status_label=status_label,
        counts={
            _label(STEP_LABELS, str(k)): {_label(COUNT_LABELS, str(name)): n for name, n in v.items()}
            for k, v in counts.items()
            if isinstance(v, dict)
        },
        requests=run.requests,
        throttled=run.throttled,
        retries=run.retries,
        # Each error as stored, plus "step_label" (the step in the staff's language) for the page.
        errors=tuple(
            {**{k: str(v) for k, v in e.items()}, "step_label": _label(STEP_LABELS, str(e.get("step", "")))}
            for e in errors
            if isinstance(e, dict)
        ),
        current_step=run.current_step,
        progress_done=run.progress_done,
        progress_total=run.progress_total,
    )


def account_health() -> tuple[AccountHealth, ...]:
    """Per active account: the last success, the running run and the latest run (2 queries)."""
    latest = SyncRun.objects.filter(account=OuterRef("pk")).order_by("-started_at", "-pk").values("pk")[:1]
    running = (
        SyncRun.objects.filter(account=OuterRef("pk"), status=SyncRun.Status.RUNNING)
        .order_by("-started_at", "-pk")
        .values("pk")[:1]
    )
    accounts = list(
        KinstaAccount.objects.filter(is_active=True)
        .annotate(
            last_success=Max("sync_runs__finished_at", filter=Q(sync_runs__status=SyncRun.Status.SUCCESS)),
            latest_run=Subquery(latest),
            running_run=Subquery(running),
        )
        .order_by("name")
    )
    run_ids = {a.latest_run for a in accounts} | {a.running_run for a in accounts}
    runs = {run.pk: run for run in SyncRun.objects.filter(pk__in=[i for i in run_ids if i is not None])}
    return tuple(
        AccountHealth(
            id=a.pk,
            name=a.name,
            company_id=a.company_id,
            masked_api_key=a.masked_api_key,
            api_key_status=a.api_key_status,
            api_key_expires_at=a.api_key_expires_at,
            last_success_at=a.last_success,
            running=_run_row(runs[a.running_run], a.name) if a.running_run in runs and _lease_held(a) else None,
            last_run=_run_row(runs[a.latest_run], a.name, lease_held=_lease_held(a)) if a.latest_run in runs else None,
        )
        for a in accounts
    )


@dataclass(frozen=True)
class SyncPage:
    accounts: tuple[AccountHealth, ...]
    runs: tuple[SyncRunRow, ...]

    @property
    def any_running(self) -> bool:
        return any(a.running for a in self.accounts)


SYNC_PAGE_RUNS = 50


def sync_page(*, limit: int = SYNC_PAGE_RUNS) -> SyncPage:
    """The sync page: account health and the latest runs of every account (3 queries)."""
    runs = SyncRun.objects.select_related("account").order_by("-started_at", "-pk")[:limit]
    return SyncPage(
        accounts=account_health(),
        runs=tuple(_run_row(run, run.account.name, lease_held=_lease_held(run.account)) for run in runs),
    )


def sync_target(*, account_id: int) -> tuple[KinstaAccount, bool] | None:
    """The active account "Sync now" asks for, and whether a run of it is going; None if there is none."""
    account = (
        KinstaAccount.objects.filter(pk=account_id, is_active=True)
        .annotate(running=Count("sync_runs", filter=Q(sync_runs__status=SyncRun.Status.RUNNING)))
        .first()
    )
    if account is None:
        return None
    # A run left 'running' by a killed process no longer holds the lease: it does not block a new sync
    # (which marks it failed when it starts).
    return account, bool(account.running) and _lease_held(account)  # type: ignore[attr-defined]
