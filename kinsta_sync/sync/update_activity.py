"""Kinsta's activity entries for plugin and theme updates, merged into the update events.

An activity entry of type ``updatePlugin`` / ``updateTheme`` names, in its first description line, the item's
title, the new version, the site and the environment: ``Update plugin "WooCommerce" to 8.9.3 on "Shop"
(Live)`` (the shape of the fake; Kinsta's full list of types and descriptions is UNKNOWN in the reference, so
entries of another shape are left alone). Failed or unfinished entries are not updates.

* An observed `UpdateEvent` of the same environment, kind, item (title or slug) and new version, seen by a
  sync at or after the entry's time and at most `MATCH_WINDOW` after it, and not claimed by another entry,
  takes the entry: its `happened_at` becomes the real moment of the update and `updated_by` who did it. The
  sync that observes an update is the first wordpress sync after it (daily; a few days if syncs failed): an
  event seen later than the window is another update of the same version, not this one's observation.
  Entries are matched newest first, each to the earliest such event, so an update made, undone and made
  again claims the sync that saw it with the latest entry.
* An entry that matches no observed event (done and undone between two syncs, or before the first sync) is
  an event of its own (`observed` False, no from version, `seen_at` = `happened_at` = the entry's time).
  When a later sync observes it within the window after all, the observed event takes the entry and the
  activity-only one goes.

What a run reads is bounded by what is new, not by the history:

* the entries not read yet: `ActivityLogEntry.update_merged` is False on what the activity step wrote since
  (it clears the mark on every entry it creates or changes) and the run sets it on them all, so an entry of
  another shape, a failed one or one naming a site without environments is read once, not every run;
* the activity-only entries of the last `MATCH_WINDOW` (older ones can no longer be observed);
* the observed events no entry claims, seen from the oldest of those entries to the window after the newest
  (in an hourly run: the window; at the first sync: the whole history, once).

An entry tied to an observed event is never read again. An entry in the known shape gets its event (observed
or activity-only) the first time it is read, so the history the first sync brings becomes events then, however
old.

Idempotent: entries are tied to their events one to one, so a second pass changes nothing. Called at the end
of the activity and the wordpress steps (whichever brings the second half); a run holds the account's lease,
so nothing writes the account's entries while it merges.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kinsta_sync.models import ActivityLogEntry, Environment, InstalledItem, UpdateEvent

if TYPE_CHECKING:
    from kinsta_sync.models import KinstaAccount
    from kinsta_sync.sync.run import Counts, _Context

UPDATE_TYPES = {"updatePlugin": "plugin", "updateTheme": "theme"}
_DESCRIPTION = re.compile(r'^Update (?:plugin|theme) "(?P<title>.+)" to (?P<version>\S+) on ".*" \((?P<env>[^()]*)\)$')
# The longest an update can wait for the wordpress sync that observes it: daily, two weeks when syncs fail.
MATCH_WINDOW = timedelta(days=14)

_Key = tuple[int, str, str, str]  # environment id, kind, title or slug, new version


@dataclass(frozen=True)
class _Update:
    """What an entry says was updated, with the environment it names."""

    entry: ActivityLogEntry
    env: Environment
    kind: str
    title: str
    version: str

    @property
    def key(self) -> _Key:
        return (self.env.pk, self.kind, self.title, self.version)


def merge_update_activity(ctx: _Context) -> None:
    account = ctx.account
    counts = ctx.count("update_events")  # on the run's counts even when nothing changes
    entries = _entries_to_merge(account, since=timezone.now() - MATCH_WINDOW)
    updates = _parsed(account, entries)
    if updates:
        _merge(account, updates, counts)
    # What this run read, of every type (those it skipped too): no later run reads them again.
    ActivityLogEntry.objects.filter(account=account, update_merged=False).update(update_merged=True)


def _entries_to_merge(account: KinstaAccount, *, since: datetime) -> list[ActivityLogEntry]:
    """The entries not read yet and the activity-only ones that may still be observed, newest first."""
    updates = ActivityLogEntry.objects.filter(
        account=account, type__in=list(UPDATE_TYPES), site__isnull=False, is_done=True, has_failed=False
    ).select_related("update_event")  # the entry's event, if any, in the same query
    new = updates.filter(update_merged=False)
    waiting = updates.filter(update_merged=True, occurred_at__gte=since, update_event__observed=False)
    return sorted([*new, *waiting], key=lambda entry: (entry.occurred_at, entry.kinsta_id), reverse=True)


def _parsed(account: KinstaAccount, entries: list[ActivityLogEntry]) -> list[_Update]:
    """The entries the merge may change: in the known shape, naming a known environment, not yet observed."""
    if not entries:
        return []
    # All the account's environments: a few per site, however long the history.
    envs: dict[tuple[int, str], Environment] = {}
    for env in Environment.objects.filter(site__account=account).order_by("-is_live", "name"):
        envs.setdefault((env.site_id, env.display_name), env)
        envs.setdefault((env.site_id, ""), env)  # the live one: an entry naming no known environment
    updates = []
    for entry in entries:
        current = _event_of(entry)
        if current is not None and current.observed:
            continue  # an entry the activity step rewrote after a sync observed its update
        match = _DESCRIPTION.match(entry.description.split("\n", 1)[0])
        if match is None:
            continue
        env = envs.get((entry.site_id, match["env"])) or envs.get((entry.site_id, ""))
        if env is None:
            continue
        updates.append(_Update(entry, env, UPDATE_TYPES[entry.type], match["title"], match["version"]))
    return updates


def _event_of(entry: ActivityLogEntry) -> UpdateEvent | None:
    # The reverse one-to-one raises when there is none; select_related already fetched it (or its absence).
    return getattr(entry, "update_event", None)


def _merge(account: KinstaAccount, updates: list[_Update], counts: Counts) -> None:
    open_events = _open_events(account, updates)
    claimed: list[UpdateEvent] = []
    replaced: list[int] = []
    only_logged: list[_Update] = []
    for update in updates:  # newest first
        current = _event_of(update.entry)
        observed = _observation(open_events, update)
        if observed is not None:
            if current is not None:
                replaced.append(current.pk)
            observed.activity = update.entry
            observed.happened_at = update.entry.occurred_at
            observed.updated_by = _who(update.entry)
            claimed.append(observed)
        elif current is None:
            only_logged.append(update)
    with transaction.atomic():
        # The activity-only events go first: the entry they hold is the observed event's now (one to one).
        if replaced:
            UpdateEvent.objects.filter(pk__in=replaced).delete()
        counts.removed += len(replaced)
        UpdateEvent.objects.bulk_update(claimed, ["activity", "happened_at", "updated_by"], batch_size=500)
        counts.updated += len(claimed)
        if only_logged:
            # Two entries of the same update (same item, version and time: Kinsta listed it twice) would be two
            # events with one unique key. The second is left out, and read like the rest, rather than failing
            # the whole batch, and with it every later run. Counted as stored.
            UpdateEvent.objects.bulk_create(_activity_only_events(only_logged), batch_size=500, ignore_conflicts=True)
            counts.created += UpdateEvent.objects.filter(activity__in=[u.entry for u in only_logged]).count()


def _open_events(account: KinstaAccount, updates: list[_Update]) -> dict[_Key, list[UpdateEvent]]:
    """The observed events no entry claims that one of `updates` may claim, by key, earliest seen first.

    Seen from the oldest entry to `MATCH_WINDOW` after the newest: the window in an hourly run. Events no
    entry ever claims (auto-updates, updates made outside MyKinsta) older than that are not read.
    """
    times = [update.entry.occurred_at for update in updates]
    events = UpdateEvent.objects.filter(
        environment__site__account=account,
        observed=True,
        activity__isnull=True,
        seen_at__gte=min(times),
        seen_at__lte=max(times) + MATCH_WINDOW,
    ).order_by("seen_at", "pk")
    by_key: dict[_Key, list[UpdateEvent]] = defaultdict(list)
    for event in events:
        for item in {event.title, event.name}:  # an entry names the title; the slug when there is no title
            by_key[(event.environment_id, event.kind, item, event.to_version)].append(event)
    return by_key


def _observation(open_events: dict[_Key, list[UpdateEvent]], update: _Update) -> UpdateEvent | None:
    """The earliest event still open that observed `update`: seen at or after it, within the window."""
    at = update.entry.occurred_at
    return next(
        (
            event
            for event in open_events.get(update.key, ())
            if event.activity_id is None and at <= event.seen_at <= at + MATCH_WINDOW
        ),
        None,
    )


def _activity_only_events(updates: list[_Update]) -> list[UpdateEvent]:
    if not updates:
        return []
    # The slugs of only the items these entries name, on only their environments.
    slugs = {
        (env_id, kind, title): name
        for env_id, kind, title, name in InstalledItem.objects.filter(
            environment_id__in={update.env.pk for update in updates}, title__in={update.title for update in updates}
        ).values_list("environment_id", "kind", "title", "name")
    }
    return [
        UpdateEvent(
            environment=update.env,
            kind=update.kind,
            name=slugs.get((update.env.pk, update.kind, update.title), update.title),
            title=update.title,
            from_version="",
            to_version=update.version,
            seen_at=update.entry.occurred_at,
            happened_at=update.entry.occurred_at,
            observed=False,
            activity=update.entry,
            updated_by=_who(update.entry),
        )
        for update in updates
    ]


def _who(entry: ActivityLogEntry) -> str:
    return entry.initiated_by_name or entry.api_key_name
