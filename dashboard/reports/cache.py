"""The report cache: a data version read from the database on every request, and keys that carry it.

Report data is read far more often than it changes, and it changes in few ways. djangoproject.com's
dashboard keeps a "generation key" that its sync resets after each run (STYLE.md, section 3); a key that
someone must remember to reset is a bug waiting for the first writer that forgets. Here nothing is reset:
`data_version()` *computes* the version in one small SQL statement on every report request, from the rows
whose changes are the only ways report data can change:

1. **A sync** (the only writer of the Kinsta mirror: sites, environments, labels, analytics points and
   activity; the admin shows the mirror read-only). Every sync creates its `SyncRun` before it writes, so
   `MAX(id)` moves on when one starts, and the number of `running` runs drops when one ends.
   While a run is `running` and its account's sync lease is held, rows are being written: then
   `data_version()` returns None and **nothing is cached or read from the cache** until the run ends.
2. **Who owns which site** (`SiteAssignment`: by hand, by a mapping rule, by the post-sync rules or by
   deleting a client). `COUNT(*)` catches rows added or removed, `SUM(site_id * client_id)` a site moved to
   another client, and `MAX(assigned_at)` (auto_now, also set by the upserts in clients.assignment) any row
   written since: a different set of rows with the same count and sum would need a row written without
   a newer `assigned_at` (a queryset `.update()`; nothing in the code does that). Mapping rules only act
   through assignments.
3. **The client's own settings** (name, slug, time zone, language, logo, colour). These are not in the
   version: the view has loaded the client anyway, so its pk, `updated_at` and time zone go into each key
   (the time zone decides the activity log's day bounds), and a cached report gets the client's display
   details (`ClientInfo`) rebuilt from that fresh row on every hit.

Everything else a page shows is either computed per request (access checks, the period picker, the sync
health, search and sort on the overview) or in the key: the exact period and comparison (start, end and
kind, so "today" in the client's time zone is in the key through the period it resolved to), and for
rendered fragments the active language, the client or staff role and the client's pk.

Why this is safe:
- The version is read *before* the data. A write that lands after the version was read can only make a
  cached entry newer than its key says, never older; and the next request sees the new version and
  misses. Old entries are never deleted, just never asked for again (they expire after
  `REPORTS_CACHE_SECONDS`).
- The version never returns to an earlier value with other data: run ids only grow, a run's end changes
  the count of running runs, and any assignment written gets a newer `assigned_at`. So entries survive
  process restarts and are shared safely between processes (Redis). Restoring an older database backup
  is the exception (ids are handed out again): clear the cache after a restore.
- A sync killed without finishing (a worker that died) leaves its run `running` for good. Letting that
  turn the cache off until someone noticed would be a silent slowdown, so a running run stops caching only
  while its account's sync lease is held: a live sync renews its lease every few seconds
  (kinsta_sync.sync), a dead one lets it lapse after `KINSTA_SYNC_LEASE_SECONDS`. The dead run is still
  counted in the version, so should a stalled run wake up after all, its next progress save renews the
  lease (turning the cache off again) or finds it taken and stops, and its end moves the version on.
- A client user can only reach their own client's pages (clients.access, checked before any cache read),
  and every report key and fragment key holds the client's pk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

T = TypeVar("T")

# Bumped when the shape of cached data changes, so a deploy never reads entries pickled by older code
# (3: the report dataclasses moved into the modules of dashboard.reports.selectors, and a pickle names its
# class's module).
SCHEMA = "3"


def _version_sql() -> str:
    from clients.models import SiteAssignment
    from kinsta_sync.models import KinstaAccount, SyncRun

    q = connection.ops.quote_name
    runs, accounts, assignments = (q(m._meta.db_table) for m in (SyncRun, KinstaAccount, SiteAssignment))
    # One statement, one round trip. Runs are found through their indexes (the primary key; account and
    # status), so the query stays small as runs pile up; assignments are one row per site.
    return f"""
        SELECT (SELECT MAX(id) FROM {runs}), w.running, w.writing, s.assigned, s.owners, s.last_assigned
        FROM (SELECT COUNT(*) AS running,
                     COALESCE(SUM(CASE WHEN a.sync_lease_until > %s THEN 1 ELSE 0 END), 0) AS writing
              FROM {accounts} a JOIN {runs} x ON x.account_id = a.id AND x.status = %s) w,
             (SELECT COUNT(*) AS assigned, SUM(site_id * client_id) AS owners, MAX(assigned_at) AS last_assigned
              FROM {assignments}) s
    """  # noqa: S608 - table names from the models, values as parameters


def data_version() -> str | None:
    """The current version of the report data (a short hash), or None while a sync is writing (no caching).

    One query. See the module docstring for what changes it and why that is enough.
    """
    from kinsta_sync.models import SyncRun

    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [timezone.now(), SyncRun.Status.RUNNING])
        max_run, running, writing, assigned, owners, last_assigned = cursor.fetchone()
    if writing:
        return None
    return _digest((SCHEMA, max_run, running, assigned, owners, last_assigned))


def _digest(parts: Iterable[Any]) -> str:
    # repr() of the tuple keeps the parts apart whatever they contain ("a,b" + "c" is not "a" + "b,c").
    return hashlib.blake2b(repr(tuple(parts)).encode(), digest_size=12).hexdigest()


def period_parts(period: Any) -> tuple[Any, ...]:
    """A period (or None) as key parts: start, end and how it was chosen (a preset or "custom")."""
    if period is None:
        return ("-",)
    return (period.start.isoformat(), period.end.isoformat(), period.kind)


def client_parts(client: Any) -> tuple[Any, ...]:
    """The client's parts of a key: who it is, when its settings last changed, its time zone, and what it
    sees of the activity log."""
    return (client.pk, client.updated_at.isoformat() if client.updated_at else "", client.timezone,
            getattr(client, "activity_shown_to_client", ""))  # fmt: skip


def key(version: str, name: str, *parts: Any) -> str:
    """A cache key for `name` under `version`; the parts are hashed, so any str()-able values will do."""
    return f"reports:{name}:{version}:{_digest(parts)}"


def get_or_compute(version: str | None, name: str, parts: Iterable[Any], compute: Callable[[], T]) -> T:
    """`compute()`, cached under the version and the parts; without a version (a sync is running) it is
    computed and not stored."""
    if version is None:
        return compute()
    cache_key = key(version, name, *parts)
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        if value is not None:  # None is "not found" (e.g. another client's site): cheap, not worth keeping
            cache.set(cache_key, value, settings.REPORTS_CACHE_SECONDS)
    return value


def body_fragment(version: str | None, client: Any, period: Any, compare: Any, *parts: Any) -> dict[str, Any]:
    """The `{% cache %}` key and lifetime of a client page's body (the report, a site page, the share page).

    The body's HTML depends on the data (the version), the client (pk, slug, settings, time zone: its links
    and the activity times), the periods (also in its links) and the language; `parts` name the page and who
    it is rendered for (staff, client user or a share link), so a fragment rendered for one never reaches
    another.
    """
    from django.utils import translation

    key = fragment_key(
        version, *parts, client.slug, *client_parts(client), *period_parts(period), *period_parts(compare),
        translation.get_language(),
    )  # fmt: skip
    return {"fragment_key": key, "fragment_seconds": settings.REPORTS_CACHE_SECONDS}


def fragment_key(version: str | None, *parts: Any) -> str:
    """The vary-on value for a `{% cache %}` fragment of a report page, or "" when nothing may be cached.

    Callers pass everything the fragment's HTML depends on besides the data: the client (client_parts),
    the period and comparison, the active language and the viewer's role.
    """
    if version is None:
        return ""
    return key(version, "fragment", *parts)
