"""The sync service: fetch from Kinsta, parse at the edge (kinsta_sync.api), upsert into the mirror.

`run_sync()` is the one entry point (command, django-q2 task and admin action call it). It

1. claims the account's lease with a conditional UPDATE, so one sync per account runs at a time and a
   dead run's lease simply expires;
2. records a `SyncRun` and runs the requested steps in order; each step catches Kinsta errors, records
   them on the run with the endpoint and goes on, so a failed step keeps what was stored before it;
3. fetches outside transactions and writes each batch in its own short transaction (bulk upserts keyed
   by Kinsta ids that only write rows whose values changed, so a second sync changes nothing);
4. stores an incremental cursor (analytics per environment, the activity log per account) only after
   the rows it covers are committed, so the next run heals any gap.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.errors import KinstaAuthError, KinstaError
from kinsta_sync.crypto import DecryptionError
from kinsta_sync.models import (
    METRIC_API_PATHS,
    ActivityLogEntry,
    AnalyticsPoint,
    CompanyUser,
    Environment,
    KinstaAccount,
    Region,
    Site,
    SiteLabel,
    SyncRun,
    today_utc,
)
from kinsta_sync.signals import sync_finished

logger = logging.getLogger(__name__)

STEP_VALIDATE = "validate"
STEP_REGIONS = "regions"
STEP_SITES = "sites"
STEP_USERS = "users"
STEP_ACTIVITY = "activity"
STEP_ANALYTICS = "analytics"
ALL_STEPS = (STEP_VALIDATE, STEP_REGIONS, STEP_SITES, STEP_USERS, STEP_ACTIVITY, STEP_ANALYTICS)
# The hourly schedule keeps the site list, users and activity fresh; analytics are daily buckets, so a
# daily run is enough (it also re-reads the sites, so a new environment gets its history the same day).
HOURLY_STEPS = (STEP_VALIDATE, STEP_REGIONS, STEP_SITES, STEP_USERS, STEP_ACTIVITY)
DAILY_STEPS = (STEP_VALIDATE, STEP_SITES, STEP_ANALYTICS)
STEP_SETS = {"all": ALL_STEPS, "hourly": HOURLY_STEPS, "daily": DAILY_STEPS}

# Kinsta's analytics endpoints answer at most 60 days per request (REFERENCE.md §4.3).
MAX_ANALYTICS_DAYS = 60
ACTIVITY_PAGE_SIZE = 100
# Progress and the lease are written at most this often, not after every environment.
PROGRESS_EVERY_SECONDS = 2.0


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
    }
    options.update(overrides)
    return KinstaClient(**options)


def _error_entry(step: str, message: str, *, endpoint: str = "", item: str = "") -> dict[str, str]:
    return {
        "step": step,
        "endpoint": endpoint,
        "item": item,
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
    last_flush: float = 0.0

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
        if not _renew_lease(self.account, self.lease_token):
            raise SyncAborted("The sync lease expired and another run took over; stopping this one.")
        if self.progress:
            self.progress(self.run)


# --- Lease -------------------------------------------------------------------------------------------------


def _lease_duration() -> timedelta:
    return timedelta(seconds=settings.KINSTA_SYNC_LEASE_SECONDS)


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
                if step not in ctx.failed_steps:
                    ctx.done_steps.add(step)
        except SyncAborted as exc:
            ctx.record_error("abort", exc)
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


# --- Steps -------------------------------------------------------------------------------------------------


def sync_validate(ctx: _Context) -> None:
    # Reference: REFERENCE.md §3.1 — which company the key belongs to, its status and expiry.
    info = ctx.client.validate()
    account = ctx.account
    if info.company and info.company != account.company_id:
        raise KinstaError(
            f"The API key belongs to company {info.company}, not {account.company_id}",
            endpoint="GET /validate",
            status=200,
            permanent=True,
        )
    account.api_key_name = info.name or ""
    account.api_key_status = info.status or ""
    account.api_key_expires_at = info.expires_at
    account.save(update_fields=["api_key_name", "api_key_status", "api_key_expires_at", "updated_at"])


def sync_regions(ctx: _Context) -> None:
    parsed = ctx.client.list_regions()
    for error in parsed.errors:
        ctx.record_error(STEP_REGIONS, error)
    existing = {r.region: r for r in Region.objects.filter(account=ctx.account)}
    counts = ctx.count("regions")
    changed: list[Region] = []
    for item in parsed.items:
        row = existing.get(item.region)
        if row is None:
            counts.created += 1
            changed.append(Region(account=ctx.account, region=item.region, name=item.name))
        elif row.name != item.name:
            counts.updated += 1
            row.name = item.name
            changed.append(row)
        else:
            counts.unchanged += 1
    if changed:
        Region.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["account", "region"], update_fields=["name"]
        )


def _diff(existing: dict[Any, dict[str, Any]], key: Any, values: dict[str, Any]) -> str:
    """'created', 'updated' or 'unchanged' for one incoming row against the stored field values."""
    current = existing.get(key)
    if current is None:
        return "created"
    return "unchanged" if all(current.get(f) == v for f, v in values.items()) else "updated"


def _upsert_changed(
    model: type[Model],
    incoming: dict[Any, dict[str, Any]],
    *,
    stored: dict[Any, dict[str, Any]],
    counts: Counts,
    unique_fields: list[str],
    on_create: dict[str, Any],
) -> None:
    """Write the incoming rows whose values differ from the stored ones, in one bulk upsert, and count
    every row as created, updated or unchanged.

    `incoming` maps Kinsta ids to field values and `stored` maps them to the stored values of the same
    fields; the values are what an update writes, `on_create` only goes into the new rows' other fields
    (the account, when a row was first seen). A second sync of the same data writes nothing.
    """
    rows: list[Model] = []
    update_fields: list[str] = []
    for kinsta_id, values in incoming.items():
        verdict = _diff(stored, kinsta_id, values)
        counts.record(verdict)
        if verdict != "unchanged":
            update_fields = update_fields or list(values)
            rows.append(model(kinsta_id=kinsta_id, **on_create, **values))
    if rows:
        model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields)


def sync_sites(ctx: _Context) -> None:
    # Reference: REFERENCE.md §4.1 — one call returns every site with its full environments.
    parsed = ctx.client.list_sites()
    for error in parsed.errors:
        ctx.record_error(STEP_SITES, error, item=error.item_id or "")
    # A label that could not be read is recorded like a site that could not be read: it fails the step, so
    # the run ends "partial" and asks for a look. The site itself is stored (it costs only the label), but
    # the mapping rules assign sites by label: a new site missing a label may stay unmapped, or match a
    # rule of lower priority and go to the wrong client. That deserves more than a line in a log.
    for warning in parsed.warnings:
        ctx.record_error(STEP_SITES, warning, item=warning.item_id or "")
    # Sites some of whose labels could not be read: their stored label pairs stay (a label Kinsta sent in
    # a shape we cannot read has not been removed from the site); the readable ones are added.
    partly_read = {warning.item_id for warning in parsed.warnings if warning.item_id}
    # Site items that could not be read but whose id could: Kinsta still lists them, so they are neither
    # updated nor marked removed, and neither are their environments (which could not be read either).
    unread_ids = {error.item_id for error in parsed.errors if error.item_id}
    account, now = ctx.account, timezone.now()

    with transaction.atomic():
        # Labels first: sites point at them.
        label_rows = {label.id: label.name for site in parsed.items for label in site.labels}
        stored_labels = {
            row["kinsta_id"]: row for row in SiteLabel.objects.filter(account=account).values("id", "kinsta_id", "name")
        }
        new_labels = [
            SiteLabel(account=account, kinsta_id=kid, name=name)
            for kid, name in label_rows.items()
            if _diff(stored_labels, kid, {"name": name}) != "unchanged"
        ]
        if new_labels:
            SiteLabel.objects.bulk_create(
                new_labels, update_conflicts=True, unique_fields=["account", "kinsta_id"], update_fields=["name"]
            )
        label_pk = dict(SiteLabel.objects.filter(account=account).values_list("kinsta_id", "id"))

        # Sites.
        stored_sites = {
            row["kinsta_id"]: row
            for row in Site.objects.filter(kinsta_id__in=[s.id for s in parsed.items]).values(
                "id", "kinsta_id", "account_id", "name", "display_name", "status", "removed_at"
            )
        }
        counts = ctx.count("sites")
        site_values = {
            site.id: {
                "account_id": account.pk,
                "name": site.name,
                "display_name": site.display_name,
                "status": site.status or "",
                "removed_at": None,
            }
            for site in parsed.items
        }
        _upsert_changed(
            Site,
            site_values,
            stored=stored_sites,
            counts=counts,
            unique_fields=["kinsta_id"],
            on_create={"first_seen_at": now},
        )
        site_pk = dict(Site.objects.filter(account=account).values_list("kinsta_id", "id"))

        # Site labels (the many-to-many rows): add the missing pairs, drop the stale ones.
        Through = Site.labels.through
        seen_site_pks = [site_pk[s.id] for s in parsed.items]
        wanted = {(site_pk[s.id], label_pk[label.id]) for s in parsed.items for label in s.labels}
        stored_pairs = set(Through.objects.filter(site_id__in=seen_site_pks).values_list("site_id", "sitelabel_id"))
        if wanted - stored_pairs:
            Through.objects.bulk_create(
                [Through(site_id=s, sitelabel_id=label) for s, label in wanted - stored_pairs], ignore_conflicts=True
            )
        keep_pairs_of = {site_pk[site_id] for site_id in partly_read if site_id in site_pk}
        stale = {(s, label) for s, label in stored_pairs - wanted if s not in keep_pairs_of}
        if stale:
            stale_q = Q()
            for s, label in stale:
                stale_q |= Q(site_id=s, sitelabel_id=label)
            Through.objects.filter(stale_q).delete()

        # Environments.
        incoming_envs = [(site, env) for site in parsed.items for env in site.environments]
        stored_envs = {
            row["kinsta_id"]: row
            for row in Environment.objects.filter(kinsta_id__in=[e.id for _, e in incoming_envs]).values(
                "kinsta_id",
                "site_id",
                "name",
                "display_name",
                "is_live",
                "is_premium",
                "is_blocked",
                "php_version",
                "wordpress_version",
                "primary_domain",
                "domains",
                "removed_at",
            )
        }
        env_counts = ctx.count("environments")
        env_values = {
            env.id: {
                "site_id": site_pk[site.id],
                "name": env.name,
                "display_name": env.display_name,
                "is_live": env.name == "live",
                "is_premium": bool(env.is_premium),
                "is_blocked": bool(env.is_blocked),
                "php_version": env.php_version or "",
                "wordpress_version": env.wordpress_version or "",
                "primary_domain": env.primary_domain.name if env.primary_domain else "",
                "domains": [d.name for d in env.domains],
                "removed_at": None,
            }
            for site, env in incoming_envs
        }
        _upsert_changed(
            Environment,
            env_values,
            stored=stored_envs,
            counts=env_counts,
            unique_fields=["kinsta_id"],
            on_create={"first_seen_at": now},
        )

        # Whatever Kinsta no longer lists is marked removed, never deleted. A malformed item whose id could
        # be read still counts as listed (see unread_ids); only when some bad item has no readable id is
        # nothing marked: that item could be any stored site, and it has not left Kinsta.
        if not parsed.unidentified:
            seen_sites = [s.id for s in parsed.items] + sorted(unread_ids)
            counts.removed += (
                Site.objects.filter(account=account, removed_at__isnull=True)
                .exclude(kinsta_id__in=seen_sites)
                .update(removed_at=now)
            )
            env_counts.removed += (
                Environment.objects.filter(site__account=account, removed_at__isnull=True)
                .exclude(kinsta_id__in=[e.id for _, e in incoming_envs])
                .exclude(site__kinsta_id__in=unread_ids)
                .update(removed_at=now)
            )


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
            user.id: {
                "email": user.email,
                "full_name": user.full_name or "",
                "image": user.image or "",
                "removed_at": None,
            }
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
            {entry.id: _activity_values(entry, site_pk) for entry in page.items},
            stored=stored,
            counts=counts,
            unique_fields=["account", "kinsta_id"],
            on_create={"account": account},
        )
        ctx.flush()
    if STEP_ACTIVITY not in ctx.failed_steps and newest_id is not None:
        account.activity_cursor_id = newest_id
        account.save(update_fields=["activity_cursor_id", "updated_at"])


def analytics_window(env: Environment, *, today: date, full: bool) -> tuple[date, date]:
    """The days to fetch for one environment: the backfill on its first sync (or with --full), else
    the last few days Kinsta may still revise plus any gap since the last day stored for every metric."""
    backfill_start = today - timedelta(days=settings.KINSTA_BACKFILL_DAYS - 1)
    if full or env.analytics_synced_through is None:
        return backfill_start, today
    start = env.analytics_synced_through - timedelta(days=settings.KINSTA_REFETCH_DAYS - 1)
    start = min(start, today - timedelta(days=settings.KINSTA_REFETCH_DAYS - 1))
    # A gap longer than the backfill window cannot be fetched from Kinsta any more.
    return max(start, backfill_start), today


def sync_analytics(ctx: _Context) -> None:
    # Reference: REFERENCE.md §4.3 — per environment and metric, at most 60 days per request.
    envs = list(
        Environment.objects.filter(site__account=ctx.account, removed_at__isnull=True, site__removed_at__isnull=True)
        .order_by("site__display_name", "-is_live", "name")
        .only("id", "kinsta_id", "analytics_synced_through")
    )
    counts = ctx.count("analytics")
    today = today_utc()
    ctx.run.progress_total, ctx.run.progress_done = len(envs), 0
    ctx.flush(force=True)
    for env in envs:
        start, end = analytics_window(env, today=today, full=ctx.full)
        fetched: dict[str, list[Any]] = {}
        for metric, api_path in METRIC_API_PATHS.items():
            try:
                fetched[metric] = ctx.client.analytics(env.kinsta_id, api_path, start=start, end=end, time_zone="00:00")
            except KinstaAuthError:
                raise
            except KinstaError as exc:
                ctx.record_error(STEP_ANALYTICS, exc, item=env.kinsta_id)
        _store_points(env, fetched, start=start, end=end, counts=counts)
        # Every metric arrived: the environment is complete through `end`. Otherwise leave the cursor
        # where it was so the next run fetches the same window again.
        if len(fetched) == len(METRIC_API_PATHS):
            Environment.objects.filter(pk=env.pk).update(analytics_synced_through=end)
        ctx.run.progress_done += 1
        ctx.flush()


def _store_points(env: Environment, fetched: dict[str, list[Any]], *, start: date, end: date, counts: Counts) -> None:
    if not fetched:
        return
    stored = {
        (metric, day): value
        for metric, day, value in AnalyticsPoint.objects.filter(
            environment=env, metric__in=list(fetched), day__range=(start, end)
        ).values_list("metric", "day", "value")
    }
    rows: list[AnalyticsPoint] = []
    for metric, points in fetched.items():
        for point in points:
            current = stored.get((metric, point.day))
            if current is None:
                counts.created += 1
            elif current != point.value:
                counts.updated += 1
            else:
                counts.unchanged += 1
                continue
            rows.append(AnalyticsPoint(environment=env, metric=metric, day=point.day, value=point.value))
    if rows:
        with transaction.atomic():
            AnalyticsPoint.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["environment", "metric", "day"],
                update_fields=["value"],
                batch_size=500,
            )


STEP_FUNCTIONS: dict[str, Callable[[_Context], None]] = {
    STEP_VALIDATE: sync_validate,
    STEP_REGIONS: sync_regions,
    STEP_SITES: sync_sites,
    STEP_USERS: sync_users,
    STEP_ACTIVITY: sync_activity,
    STEP_ANALYTICS: sync_analytics,
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
