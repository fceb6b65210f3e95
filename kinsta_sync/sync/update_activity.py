"""Kinsta's activity entries for plugin and theme updates, merged into the update events.

An activity entry of type ``updatePlugin`` / ``updateTheme`` names, in its first description line, the item's
title, the new version, the site and the environment: ``Update plugin "WooCommerce" to 8.9.3 on "Shop"
(Live)`` (the shape of the fake; Kinsta's full list of types and descriptions is UNKNOWN in the reference, so
entries of another shape are left alone). Failed or unfinished entries are not updates.

* An observed `UpdateEvent` of the same environment, kind, item (title or slug) and new version, seen by a
  sync at or after the entry's time and not claimed by another entry, takes the entry: its `happened_at`
  becomes the real moment of the update and `updated_by` who did it. Entries are matched newest first, each
  to the earliest such event, so an update made, undone and made again claims the sync that saw it with the
  latest entry.
* An entry that matches no observed event (done and undone between two syncs, or before the first sync) is
  an event of its own (`observed` False, no from version, `seen_at` = `happened_at` = the entry's time).
  When a later sync observes it after all, the observed event takes the entry and the activity-only one goes.

Idempotent: entries are tied to their events one to one, so a second pass changes nothing. Called at the end
of the activity and the wordpress steps (whichever brings the second half).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kinsta_sync.models import ActivityLogEntry, Environment, InstalledItem, UpdateEvent

if TYPE_CHECKING:
    from kinsta_sync.sync.run import _Context

UPDATE_TYPES = {"updatePlugin": "plugin", "updateTheme": "theme"}
_DESCRIPTION = re.compile(r'^Update (?:plugin|theme) "(?P<title>.+)" to (?P<version>\S+) on ".*" \((?P<env>[^()]*)\)$')


def merge_update_activity(ctx: _Context) -> None:
    account = ctx.account
    counts = ctx.count("update_events")
    entries = list(
        ActivityLogEntry.objects.filter(
            account=account, type__in=list(UPDATE_TYPES), site__isnull=False, is_done=True, has_failed=False
        ).order_by("-occurred_at", "-kinsta_id")
    )
    if not entries:
        return
    envs: dict[tuple[int, str], Environment] = {}
    for env in Environment.objects.filter(site__account=account).order_by("-is_live", "name"):
        envs.setdefault((env.site_id, env.display_name), env)
        envs.setdefault((env.site_id, ""), env)  # the live one: an entry naming no known environment
    events = list(UpdateEvent.objects.filter(environment__site__account=account).order_by("seen_at", "pk"))
    by_activity = {event.activity_id: event for event in events if event.activity_id is not None}
    open_events = [event for event in events if event.observed and event.activity_id is None]
    slugs = {
        (env_id, kind, title): name
        for env_id, kind, title, name in InstalledItem.objects.filter(environment__site__account=account).values_list(
            "environment_id", "kind", "title", "name"
        )
    }
    for entry in entries:
        current = by_activity.get(entry.pk)
        if current is not None and current.observed:
            continue
        match = _DESCRIPTION.match(entry.description.split("\n", 1)[0])
        if match is None:
            continue
        env = envs.get((entry.site_id, match["env"])) or envs.get((entry.site_id, ""))
        if env is None:
            continue
        kind, title, version = UPDATE_TYPES[entry.type], match["title"], match["version"]
        observed = next(
            (
                event
                for event in open_events
                if event.environment_id == env.pk
                and event.kind == kind
                and title in (event.title, event.name)
                and event.to_version == version
                and event.seen_at >= entry.occurred_at
            ),
            None,
        )
        if observed is not None:
            open_events.remove(observed)
            if current is not None:
                current.delete()
                counts.removed += 1
            observed.activity = entry
            observed.happened_at = entry.occurred_at
            observed.updated_by = entry.initiated_by_name or entry.api_key_name
            observed.save(update_fields=["activity", "happened_at", "updated_by"])
            counts.updated += 1
        elif current is None:
            UpdateEvent.objects.create(
                environment=env,
                kind=kind,
                name=slugs.get((env.pk, kind, title), title),
                title=title,
                from_version="",
                to_version=version,
                seen_at=entry.occurred_at,
                happened_at=entry.occurred_at,
                observed=False,
                activity=entry,
                updated_by=entry.initiated_by_name or entry.api_key_name,
            )
            counts.created += 1
