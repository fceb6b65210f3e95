"""The wordpress step: each environment's plugins, themes and backups (REFERENCE §5.1, §5.2), daily.

Three requests per environment: ``wp-plugins``, ``wp-themes``, ``backups``. When the current plugin path
answers 404 the client falls back to the deprecated one, and the rest of the run goes there directly, so only
the first environment pays a fourth request.

What a run keeps:

* `InstalledItem` rows, one per environment, kind and slug, updated only where something changed. A plugin no
  longer listed is marked removed (never deleted); a list with an item whose name could not be read removes
  nothing, since nobody knows which plugin it was.
* An `UpdateEvent` for each version change seen (only where the stored version differs, so seeing it again
  adds none; an update to a version seen before is a new event), merged with Kinsta's activity entries for
  updates at the end of the step (`kinsta_sync.sync.update_activity`).
* `Backup` rows by Kinsta id; backups Kinsta expired stay.

An environment whose calls fail is recorded on the run with its id and keeps what was stored; the next run
reads it again in full (the step is state, not a cursor), so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from kinsta_sync.api.errors import KinstaAuthError, KinstaError, KinstaResponseError
from kinsta_sync.api.wordpress import KINDS, Backup, InstalledItem, current_path, legacy_path
from kinsta_sync.models import Backup as BackupRow
from kinsta_sync.models import Environment, UpdateEvent
from kinsta_sync.models import InstalledItem as InstalledRow
from kinsta_sync.sync.strings import fit
from kinsta_sync.sync.update_activity import merge_update_activity

if TYPE_CHECKING:
    from datetime import datetime

    from kinsta_sync.api.common import Parsed
    from kinsta_sync.sync.run import _Context

STEP_WORDPRESS = "wordpress"
# The requests one environment costs (REFERENCE §5.1, §5.2); bench/sync.py prints what a run used.
REQUESTS_PER_ENVIRONMENT = 3

_ITEM_FIELDS = ("title", "version", "update_version", "is_version_vulnerable", "is_update_version_vulnerable",
                "status", "auto_update")  # fmt: skip


def sync_wordpress(ctx: _Context) -> None:
    envs = list(
        Environment.objects.filter(site__account=ctx.account, removed_at__isnull=True, site__removed_at__isnull=True)
        .order_by("site__display_name", "-is_live", "name")
        .only("id", "kinsta_id")
    )
    counts = {"installed": ctx.count("installed_items"), "backups": ctx.count("backups")}
    ctx.count("update_events")
    ctx.run.progress_total, ctx.run.progress_done = len(envs), 0
    ctx.flush(force=True)
    legacy = False
    for env in envs:
        lists: dict[str, _Listed] = {}
        for kind in KINDS:
            try:
                parsed, used_legacy = ctx.client.installed(env.kinsta_id, kind, legacy=legacy)
            except KinstaAuthError:
                raise
            except KinstaError as exc:
                ctx.record_error(STEP_WORDPRESS, exc, item=env.kinsta_id)
                continue
            legacy = legacy or used_legacy
            endpoint = f"GET {legacy_path(kind) if used_legacy else current_path(kind)}"
            for error in parsed.errors:
                ctx.record_error(STEP_WORDPRESS, error, item=env.kinsta_id)
            lists[kind] = _fitted(ctx, parsed, env, kind, endpoint)
        backups: Parsed[Backup] | None = None
        try:
            backups = ctx.client.backups(env.kinsta_id)
        except KinstaAuthError:
            raise
        except KinstaError as exc:
            ctx.record_error(STEP_WORDPRESS, exc, item=env.kinsta_id)
        if backups is not None:
            for error in backups.errors:
                ctx.record_error(STEP_WORDPRESS, error, item=env.kinsta_id)
        now = timezone.now()
        with transaction.atomic():
            for kind, parsed in lists.items():
                _store_installed(env, kind, parsed, now=now, ctx=ctx)
            if len(lists) == len(KINDS):
                Environment.objects.filter(pk=env.pk).update(installed_synced_at=now)
            if backups is not None:
                _store_backups(env, backups, counts["backups"], ctx=ctx)
                Environment.objects.filter(pk=env.pk).update(backups_synced_at=now)
        ctx.run.progress_done += 1
        ctx.flush()
    merge_update_activity(ctx)


@dataclass(frozen=True)
class _Listed:
    items: list[tuple[str, dict[str, Any]]]  # (slug, the values to store)
    errors: list[KinstaResponseError]


def _fitted(ctx: _Context, parsed: Parsed[InstalledItem], env: Environment, kind: str, endpoint: str) -> _Listed:
    """The parsed list with every stored string cut to its cap (the slug is a key and stays whole)."""
    items = []
    for item in parsed.items:
        values = fit(ctx, STEP_WORDPRESS, _values(item), resource=kind, item=env.kinsta_id, endpoint=endpoint)
        items.append((item.name, values))
    return _Listed(items, parsed.errors)


def _values(item: InstalledItem) -> dict[str, Any]:
    return {
        "title": item.title or "",
        "version": item.version or "",
        "update_version": item.available_update or "",
        "is_version_vulnerable": item.is_version_vulnerable,
        "is_update_version_vulnerable": item.is_update_version_vulnerable,
        "status": item.status or "",
        "auto_update": item.auto_update or "",
    }


def _store_installed(env: Environment, kind: str, parsed: _Listed, *, now: datetime, ctx: _Context) -> None:
    counts = ctx.count("installed_items")
    stored = {row.name: row for row in InstalledRow.objects.filter(environment=env, kind=kind)}
    seen: set[str] = set()
    changed: list[InstalledRow] = []
    created: list[InstalledRow] = []
    events: list[UpdateEvent] = []
    for name, values in parsed.items:
        if name in seen:
            continue  # a slug listed twice: the first one counts
        seen.add(name)
        row = stored.get(name)
        if row is None:
            counts.created += 1
            created.append(InstalledRow(environment=env, kind=kind, name=name, first_seen_at=now, last_seen_at=now,
                                        **values))  # fmt: skip
            continue
        if row.version and values["version"] and row.version != values["version"]:
            events.append(UpdateEvent(environment=env, kind=kind, name=name, title=values["title"],
                                      from_version=row.version, to_version=values["version"], seen_at=now,
                                      happened_at=now))  # fmt: skip
        if row.removed_at is None and all(getattr(row, f) == values[f] for f in _ITEM_FIELDS):
            counts.unchanged += 1
        else:
            counts.updated += 1
        for key, value in values.items():
            setattr(row, key, value)
        row.removed_at = None
        row.last_seen_at = now
        changed.append(row)
    if created:
        InstalledRow.objects.bulk_create(created)
    if changed:
        InstalledRow.objects.bulk_update(changed, [*_ITEM_FIELDS, "removed_at", "last_seen_at"], batch_size=500)
    if events:
        before = UpdateEvent.objects.filter(environment=env).count()
        UpdateEvent.objects.bulk_create(events, ignore_conflicts=True)
        ctx.count("update_events").created += UpdateEvent.objects.filter(environment=env).count() - before
    # Removed: listed before, not now. Not when an item's slug could not be read (it may be any of them).
    if any(error.item_id is None for error in parsed.errors):
        return
    unreadable = {error.item_id for error in parsed.errors}
    gone = [name for name, row in stored.items() if row.removed_at is None and name not in seen | unreadable]
    if gone:
        counts.removed += InstalledRow.objects.filter(environment=env, kind=kind, name__in=gone).update(removed_at=now)


def _store_backups(env: Environment, parsed: Parsed[Backup], counts: Any, *, ctx: _Context) -> None:
    stored = {
        kinsta_id: (name, type_, note, created_at)
        for kinsta_id, name, type_, note, created_at in BackupRow.objects.filter(environment=env).values_list(
            "kinsta_id", "name", "type", "note", "created_at"
        )
    }
    rows = []
    for backup in parsed.items:
        values = fit(
            ctx,
            STEP_WORDPRESS,
            {"name": backup.name or "", "type": backup.type, "note": backup.note or ""},
            resource="backup",
            item=env.kinsta_id,
            endpoint="GET /sites/environments/{env_id}/backups",
        )
        incoming = (values["name"], values["type"], values["note"], backup.created_at)
        current = stored.get(backup.id)
        if current == incoming:
            counts.unchanged += 1
            continue
        counts.record("created" if current is None else "updated")
        rows.append(BackupRow(environment=env, kinsta_id=backup.id, created_at=backup.created_at, **values))
    if rows:
        BackupRow.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["environment", "kinsta_id"],
            update_fields=["name", "type", "note", "created_at"],
            batch_size=500,
        )
