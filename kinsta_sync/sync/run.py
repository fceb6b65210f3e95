"""One sync run: the lease, the `SyncRun` record, the steps in order, and how the run ends.

`run_sync()` is the one entry point (the command, the django-q2 task and the admin action call it). The
steps are in their own modules (`company`, `sites`, `users`, `activity`, `analytics`, `traffic`,
`wordpress`); the package
docstring (`kinsta_sync/sync/__init__.py`) says what a run guarantees.

The lease is short (`KINSTA_SYNC_LEASE_SECONDS`, a minute), so a killed run blocks the next one, keeps
showing as running and keeps report pages from being cached for at most that long. A live run renews it
every `renew_every()` seconds (a quarter of the lease, at most 15 s) through the client's heartbeat: the
transport calls it before every attempt, every second of a rate-limit wait or backoff, and between the
chunks of a body, and progress saves renew it too. So the longest stretch without a renewal is one
blocking socket operation (at most `KINSTA_TIMEOUT`) after a renewal interval; `kinsta_sync.checks` warns
when the lease is not comfortably longer. The renewal runs in the thread that does the work, not in a
background thread, on purpose: the lease then means "this run is making progress", so a run stuck for good
(a deadlock, a hung DNS lookup) lets it lapse like a dead one instead of holding it forever, and it uses
the run's own database connection.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.errors import KinstaAuthError, KinstaError
from kinsta_sync.crypto import DecryptionError
from kinsta_sync.models import KinstaAccount, SyncRun
from kinsta_sync.signals import sync_finished
from kinsta_sync.sync.activity import STEP_ACTIVITY, sync_activity
from kinsta_sync.sync.analytics import STEP_ANALYTICS, sync_analytics
from kinsta_sync.sync.company import STEP_REGIONS, STEP_VALIDATE, sync_regions, sync_validate
from kinsta_sync.sync.sites import STEP_SITES, sync_sites
from kinsta_sync.sync.traffic import STEP_TRAFFIC, sync_traffic
from kinsta_sync.sync.users import STEP_USERS, sync_users
from kinsta_sync.sync.wordpress import STEP_WORDPRESS, sync_wordpress

logger = logging.getLogger(__name__)

ALL_STEPS = (
    STEP_VALIDATE, STEP_REGIONS, STEP_SITES, STEP_USERS, STEP_ACTIVITY, STEP_ANALYTICS, STEP_TRAFFIC, STEP_WORDPRESS,
)  # fmt: skip
# The hourly schedule keeps the site list, users and activity fresh; analytics are daily buckets, so a
# daily run is enough (it also re-reads the sites, so a new environment gets its history the same day).
# Traffic quality is daily too (its budget is one request per kind and live environment per run), and so are
# plugins, themes and backups (the wordpress step, three requests per environment).
HOURLY_STEPS = (STEP_VALIDATE, STEP_REGIONS, STEP_SITES, STEP_USERS, STEP_ACTIVITY)
DAILY_STEPS = (STEP_VALIDATE, STEP_SITES, STEP_ANALYTICS, STEP_TRAFFIC, STEP_WORDPRESS)
STEP_SETS = {"all": ALL_STEPS, "hourly": HOURLY_STEPS, "daily": DAILY_STEPS}

# Progress and the lease are written at most this often, not after every environment.
PROGRESS_EVERY_SECONDS = 2.0
# Strings cut to their cap (kinsta_sync.sync.strings) get an entry each up to this many per step, then a count.
MAX_CUT_ENTRIES = 20


class SyncAborted(Exception):
    """A fatal condition: the key is rejected or the lease was lost. The run stops here."""


def client_for_account(account: KinstaAccount, **overrides: Any) -> KinstaClient:
    options: dict[str, Any] = {
        "base_url": settings.KINSTA_API_URL,
        "api_key": account.get_api_key(),
        "company_id": account.company_id,
        "requests_per_minute": settings.KINSTA_REQUESTS_PER_MINUTE,
        "timeout": settings.KINSTA_TIMEOUT,
        "max_retries": settings.KINSTA_MAX_RETRIES,
        "backoff_base": settings.KINSTA_RETRY_BACKOFF,
        "max_response_bytes": settings.KINSTA_MAX_RESPONSE_BYTES,
    }
    options.update(overrides)
    return KinstaClient(**options)


def _error_entry(step: str, message: str, *, endpoint: str = "", item: str = "") -> dict[str, str]:
    return {
        "step": step,
        "endpoint": endpoint,
        "item": item[:255],  # a Kinsta id; one that long is not an id anyway
        "message": message[:2000],
        "at": timezone.now().isoformat(),
    }


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def record(self, verdict: str) -> None:
        """Count one row as 'created', 'updated' or 'unchanged' (what `_diff` says)."""
        setattr(self, verdict, getattr(self, verdict) + 1)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed}


@dataclass
class _Context:
    account: KinstaAccount
    run: SyncRun
    client: KinstaClient
    lease_token: str
    full: bool
    progress: Callable[[SyncRun], None] | None
    counts: dict[str, Counts] = field(default_factory=dict)
    failed_steps: set[str] = field(default_factory=set)
    done_steps: set[str] = field(default_factory=set)
    cuts: Counter[str] = field(default_factory=Counter)
    last_flush: float = 0.0
    last_renewal: float = field(default_factory=time.monotonic)

    def count(self, resource: str) -> Counts:
        return self.counts.setdefault(resource, Counts())

    def record_error(self, step: str, error: BaseException, *, item: str = "") -> None:
        endpoint = getattr(error, "endpoint", "") or ""
        message = str(error) or error.__class__.__name__
        self.run.errors.append(_error_entry(step, message, endpoint=endpoint, item=item))
        self.failed_steps.add(step)
        logger.warning(
            "Sync of %s, step %s%s: %s", self.account.company_id, step, f" ({item})" if item else "", message
        )

    def record_cut(
        self, step: str, *, endpoint: str, item: str, field: str, length: int, limit: int, setting: str
    ) -> None:
        """A string stored cut to its cap: a warning on the run, which does not fail the step."""
        self.cuts[step] += 1
        if self.cuts[step] > MAX_CUT_ENTRIES:
            return
        message = f"{field} is {length:,} characters long; stored its first {limit:,} ({setting})."
        entry = _error_entry(step, message, endpoint=endpoint, item=item)
        self.run.errors.append({**entry, "field": field, "level": "warning"})
        logger.warning("Sync of %s, step %s (%s): %s", self.account.company_id, step, item, message)

    def end_step(self, step: str) -> None:
        """Count the cuts of `step` that got no entry of their own."""
        more = self.cuts[step] - MAX_CUT_ENTRIES
        if more > 0:
            message = f"{more:,} more strings were stored cut to their cap in this step."
            self.run.errors.append({**_error_entry(step, message), "field": "", "level": "warning"})

    def heartbeat(self) -> None:
        """Renew the lease when it is due; the client calls this while it waits or reads."""
        if time.monotonic() - self.last_renewal >= renew_every():
            self.renew_lease()

    def renew_lease(self) -> None:
        if not _renew_lease(self.account, self.lease_token):
            raise SyncAborted("The sync lease expired and another run took over; stopping this one.")
        self.last_renewal = time.monotonic()

    def flush(self, *, force: bool = False) -> None:
        """Save progress and stats, renew the lease; at most every few seconds unless forced."""
        now = timezone.now().timestamp()
        if not force and now - self.last_flush < PROGRESS_EVERY_SECONDS:
            return
        self.last_flush = now
        stats = self.client.stats
        self.run.requests, self.run.throttled, self.run.retries = stats.requests, stats.throttled, stats.retries
        self.run.counts = {name: c.as_dict() for name, c in self.counts.items()}
        self.run.save(
            update_fields=[
                "requests",
                "throttled",
                "retries",
                "counts",
                "errors",
                "current_step",
                "progress_done",
                "progress_total",
            ]
        )
        self.renew_lease()
        if self.progress:
            self.progress(self.run)


# --- Lease -------------------------------------------------------------------------------------------------


def _lease_duration() -> timedelta:
    return timedelta(seconds=settings.KINSTA_SYNC_LEASE_SECONDS)


def renew_every() -> float:
    """Seconds between renewals of a live run's lease: a quarter of the lease, at most 15."""
    return min(15.0, settings.KINSTA_SYNC_LEASE_SECONDS / 4)


def claim_lease(account: KinstaAccount) -> str | None:
    """Claim the account's sync lease; returns the lease token, or None when another run holds it."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        KinstaAccount.objects.filter(pk=account.pk)
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_until=now + _lease_duration(), sync_lease_token=token)
    )
    return token if claimed == 1 else None


def _renew_lease(account: KinstaAccount, token: str) -> bool:
    renewed = KinstaAccount.objects.filter(pk=account.pk, sync_lease_token=token).update(
        sync_lease_until=timezone.now() + _lease_duration()
    )
    return renewed == 1


def release_lease(account: KinstaAccount, token: str) -> None:
    KinstaAccount.objects.filter(pk=account.pk, sync_lease_token=token).update(
        sync_lease_until=None, sync_lease_token=""
    )


# --- Entry point -------------------------------------------------------------------------------------------


def run_sync(
    *,
    account: KinstaAccount,
    trigger: str = SyncRun.Trigger.MANUAL,
    steps: Sequence[str] = ALL_STEPS,
    full: bool = False,
    client: KinstaClient | None = None,
    progress: Callable[[SyncRun], None] | None = None,
) -> SyncRun:
    """Sync one account. Returns the finished SyncRun (status `skipped` when another run holds the lease).

    `full` refetches the whole analytics backfill window instead of the last few days.
    """
    unknown = set(steps) - set(ALL_STEPS)
    if unknown:
        raise ValueError(f"Unknown sync steps: {', '.join(sorted(unknown))}")
    ordered = [step for step in ALL_STEPS if step in steps]

    token = claim_lease(account)
    if token is None:
        account.refresh_from_db(fields=["sync_lease_until"])
        # One moment for both ends: `finished_at=timezone.now()` alone is read before the model's default
        # `started_at`, so a skipped run ended a few microseconds before it started (a negative duration).
        now = timezone.now()
        return SyncRun.objects.create(
            account=account,
            trigger=trigger,
            steps=ordered,
            status=SyncRun.Status.SKIPPED,
            started_at=now,
            finished_at=now,
            errors=[
                _error_entry(
                    "lease",
                    "Another sync of this account is running "
                    f"(its lease ends {account.sync_lease_until:%Y-%m-%d %H:%M} UTC).",
                )
            ],
        )

    _close_abandoned_runs(account)
    run = SyncRun.objects.create(account=account, trigger=trigger, steps=ordered)
    own_client = client is None
    try:
        try:
            client = client or client_for_account(account)
        except DecryptionError as exc:
            run.errors.append(_error_entry("setup", str(exc)))
            run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
            run.save()
            return run
        ctx = _Context(account=account, run=run, client=client, lease_token=token, full=full, progress=progress)
        # The client renews the lease while it waits (for the rate limit, a backoff, a slow body).
        previous_heartbeat, client.heartbeat = client.heartbeat, ctx.heartbeat
        try:
            for step in ordered:
                ctx.run.current_step = step
                ctx.flush(force=True)
                try:
                    STEP_FUNCTIONS[step](ctx)
                except KinstaAuthError as exc:
                    ctx.record_error(step, exc)
                    raise SyncAborted("Kinsta rejected the API key; nothing more can be synced.") from exc
                except KinstaError as exc:
                    ctx.record_error(step, exc)
                except SyncAborted:
                    raise
                except Exception as exc:  # a bug must not leave the run 'running' forever
                    logger.exception("Unexpected error in sync step %s", step)
                    ctx.record_error(step, exc)
                ctx.end_step(step)
                if step not in ctx.failed_steps:
                    ctx.done_steps.add(step)
        except SyncAborted as exc:
            ctx.record_error("abort", exc)
        finally:
            client.heartbeat = previous_heartbeat
        _finish(ctx)
    finally:
        if own_client and client is not None:
            client.close()
        release_lease(account, token)
    # Receivers (e.g. the clients app's mapping rules) run after the lease is released; their failure is
    # logged, never turned into a failed sync.
    for receiver, result in sync_finished.send_robust(sender=SyncRun, run=ctx.run, account=account):
        if isinstance(result, Exception):
            logger.error("sync_finished receiver %r failed: %s", receiver, result, exc_info=result)
    return ctx.run


def _close_abandoned_runs(account: KinstaAccount) -> None:
    """Runs still 'running' once we hold the lease died without finishing (a killed process): say so."""
    for stale in SyncRun.objects.filter(account=account, status=SyncRun.Status.RUNNING):
        stale.errors.append(
            _error_entry("abort", "The run stopped without finishing (its process ended); the next run healed it.")
        )
        stale.status, stale.current_step = SyncRun.Status.FAILED, ""
        stale.finished_at = stale.finished_at or timezone.now()
        stale.save(update_fields=["errors", "status", "current_step", "finished_at"])


def _finish(ctx: _Context) -> None:
    run = ctx.run
    if not ctx.failed_steps:
        run.status = SyncRun.Status.SUCCESS
    elif STEP_VALIDATE in ctx.done_steps or any(any(c.as_dict().values()) for c in ctx.counts.values()):
        # Something arrived from Kinsta (stored or found unchanged): the run did part of its work.
        run.status = SyncRun.Status.PARTIAL
    else:
        run.status = SyncRun.Status.FAILED
    run.current_step = ""
    run.finished_at = timezone.now()
    stats = ctx.client.stats
    run.requests, run.throttled, run.retries = stats.requests, stats.throttled, stats.retries
    run.counts = {name: c.as_dict() for name, c in ctx.counts.items()}
    run.save()
    if ctx.progress:
        ctx.progress(run)


STEP_FUNCTIONS: dict[str, Callable[[_Context], None]] = {
    STEP_VALIDATE: sync_validate,
    STEP_REGIONS: sync_regions,
    STEP_SITES: sync_sites,
    STEP_USERS: sync_users,
    STEP_ACTIVITY: sync_activity,
    STEP_ANALYTICS: sync_analytics,
    STEP_TRAFFIC: sync_traffic,
    STEP_WORDPRESS: sync_wordpress,
}


def exit_code(runs: Iterable[SyncRun]) -> int:
    """The command's exit code: 0 all succeeded, 1 some steps failed, 2 nothing could be synced."""
    code = 0
    for run in runs:
        if run.status in (SyncRun.Status.FAILED, SyncRun.Status.SKIPPED):
            code = max(code, 2)
        elif run.status == SyncRun.Status.PARTIAL:
            code = max(code, 1)
    return code
