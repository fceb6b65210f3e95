"""What the maintenance section shows, read from the mirror (kinsta_sync: InstalledItem, UpdateEvent, Backup).

Every function runs a fixed number of queries whatever the number of sites (the report pages' counts are
pinned). The results are plain JSON values (ISO strings for times), because a report send stores them as the
e-mail's snapshot and the e-mail renders from that.

"No data" is never 0: an environment the wordpress step has not read yet (`installed_synced_at` /
`backups_synced_at` None) makes its counts None, and a vulnerability flag Kinsta did not send (the deprecated
endpoint) is unknown, not "safe".
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from clients.models import Client
from dashboard.reports.periods import Period
from kinsta_sync.models import Backup, Environment, InstalledItem, UpdateEvent

# An environment without a backup for this long is flagged (Kinsta makes one every day).
STALE_BACKUP_HOURS = 48
# The longest list a report shows; the count says how many there are in all.
LIST_LIMIT = 50


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def period_bounds(period: Period, zone_name: str) -> tuple[datetime, datetime]:
    """[first midnight, midnight after the last day) in the client's time zone."""
    zone = _zone(zone_name)
    return (
        datetime.combine(period.start, time.min, tzinfo=zone),
        datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _environments(where: Q) -> list[dict[str, Any]]:
    rows = (
        Environment.objects.filter(where, removed_at__isnull=True, site__removed_at__isnull=True)
        .order_by("site__display_name", "site_id", "-is_live", "name", "pk")
        .values(
            "pk", "site_id", "site__display_name", "site__kinsta_id", "name", "display_name", "is_live",
            "wordpress_version", "php_version", "installed_synced_at", "backups_synced_at",
        )
    )  # fmt: skip
    return list(rows)


def _item(row: dict[str, Any], env: dict[str, Any]) -> dict[str, Any]:
    return {
        "site": env["site__display_name"],
        "site_id": env["site_id"],
        "environment": env["display_name"],
        "kind": row["kind"],
        "name": row["name"],
        "title": row["title"] or row["name"],
        "version": row["version"],
        "update_version": row["update_version"],
        "vulnerable": row["is_version_vulnerable"],
        "update_vulnerable": row["is_update_version_vulnerable"],
        "status": row["status"],
    }


_ITEM_FIELDS = ("environment_id", "kind", "name", "title", "version", "update_version", "is_version_vulnerable",
                "is_update_version_vulnerable", "status")  # fmt: skip


def maintenance_report(*, client: Client, period: Period, site_id: int | None = None) -> dict[str, Any] | None:
    """The maintenance section of one client's report (or of one of its sites): four queries.

    None when no environment of the client (or the site) has had its plugins or backups read yet: before
    the first wordpress sync step there is nothing to say, and a section of nothing but "No data" is noise.
    """
    where = Q(site__assignment__client=client)
    if site_id is not None:
        where &= Q(site_id=site_id)
    envs = _environments(where)
    if not any(env["installed_synced_at"] or env["backups_synced_at"] for env in envs):
        return None
    by_pk = {env["pk"]: env for env in envs}
    start, end = period_bounds(period, client.timezone)
    now = timezone.now()
    stale_before = now - timedelta(hours=STALE_BACKUP_HOURS)

    items = list(
        InstalledItem.objects.filter(environment_id__in=list(by_pk), removed_at__isnull=True)
        .order_by("environment_id", "kind", "name")
        .values(*_ITEM_FIELDS)
    )
    events = list(
        UpdateEvent.objects.filter(environment_id__in=list(by_pk), happened_at__gte=start, happened_at__lt=end)
        .order_by("-happened_at", "name")
        .values("environment_id", "kind", "name", "title", "from_version", "to_version", "happened_at", "updated_by")
    )
    backups = {
        row["environment_id"]: row
        for row in Backup.objects.filter(environment_id__in=list(by_pk))
        .values("environment_id")
        .annotate(latest=Max("created_at"), in_period=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)))
        .order_by()
    }

    installed_known = [env for env in envs if env["installed_synced_at"] is not None]
    backups_known = [env for env in envs if env["backups_synced_at"] is not None]
    listed = [_item(row, by_pk[row["environment_id"]]) for row in items]
    vulnerable = [item for item in listed if item["vulnerable"]]
    pending = [item for item in listed if item["update_version"]]
    # Vulnerabilities are known where Kinsta sent a flag for at least one item of a read environment.
    flags_known = any(item["vulnerable"] is not None for item in listed)

    environments = []
    for env in envs:
        stats = backups.get(env["pk"])
        known = env["backups_synced_at"] is not None
        latest = stats["latest"] if stats else None
        environments.append(
            {
                "site": env["site__display_name"],
                "site_id": env["site_id"],
                "environment": env["display_name"],
                "is_live": env["is_live"],
                "wordpress_version": env["wordpress_version"] or None,
                "php_version": env["php_version"] or None,
                "backups_known": known,
                "backups_in_period": (stats["in_period"] if stats else 0) if known else None,
                "latest_backup": _iso(latest),
                "stale": known and (latest is None or latest < stale_before),
            }
        )
    updates = [
        {
            "site": by_pk[e["environment_id"]]["site__display_name"],
            "site_id": by_pk[e["environment_id"]]["site_id"],
            "environment": by_pk[e["environment_id"]]["display_name"],
            "kind": e["kind"],
            "name": e["name"],
            "title": e["title"] or e["name"],
            "from_version": e["from_version"],
            "to_version": e["to_version"],
            # When it happened (Kinsta's activity time when the log has it, else when a sync first saw it); the
            # key keeps its name so the sends' stored snapshots still render.
            "seen_at": _iso(e["happened_at"]),
            "updated_by": e["updated_by"],
        }
        for e in events
    ]
    stale = [env for env in environments if env["stale"]]
    return {
        "installed_known": bool(installed_known),
        "backups_known": bool(backups_known),
        "vulnerabilities_known": flags_known,
        "updates_count": len(updates) if installed_known else None,
        "updates": updates[:LIST_LIMIT],
        "pending_count": len(pending) if installed_known else None,
        "pending": pending[:LIST_LIMIT],
        "vulnerable_count": len(vulnerable) if flags_known else None,
        "vulnerable": vulnerable[:LIST_LIMIT],
        "backups_in_period": sum(e["backups_in_period"] or 0 for e in environments) if backups_known else None,
        "stale_count": len(stale),
        "stale": stale[:LIST_LIMIT],
        "environments": environments,
        "site_id": site_id,
    }


def site_details(*, client: Client, site_id: int) -> dict[str, Any]:
    """The site page's extra lists: every installed plugin and theme, and the latest backups (two queries)."""
    items = list(
        InstalledItem.objects.filter(
            environment__site_id=site_id,
            environment__site__assignment__client=client,
            environment__removed_at__isnull=True,
            removed_at__isnull=True,
        )
        .order_by("-environment__is_live", "environment__name", "kind", "name")
        .values(*_ITEM_FIELDS, "environment__display_name", "auto_update")
    )
    backups = list(
        Backup.objects.filter(
            environment__site_id=site_id,
            environment__site__assignment__client=client,
            environment__removed_at__isnull=True,
        )
        .order_by("-created_at")
        .values("environment__display_name", "type", "note", "created_at")[:20]
    )
    return {
        "installed": [
            {
                "environment": row["environment__display_name"],
                "environment_id": row["environment_id"],
                "kind": row["kind"],
                "name": row["name"],
                "title": row["title"] or row["name"],
                "version": row["version"],
                "update_version": row["update_version"],
                "vulnerable": row["is_version_vulnerable"],
                "status": row["status"],
                "auto_update": row["auto_update"],
            }
            for row in items
        ],
        "backups": [
            {
                "environment": row["environment__display_name"],
                "type": row["type"],
                "note": row["note"],
                "created_at": _iso(row["created_at"]),
            }
            for row in backups
        ],
    }


def csv_rows(*, client: Client) -> Iterable[list[Any]]:
    """One row per installed plugin or theme of the client's present environments (one query)."""
    rows = (
        InstalledItem.objects.filter(
            environment__site__assignment__client=client,
            environment__removed_at__isnull=True,
            environment__site__removed_at__isnull=True,
            removed_at__isnull=True,
        )
        .order_by(
            "environment__site__display_name",
            "environment__site_id",
            "-environment__is_live",
            "environment__name",
            "kind",
            "name",
        )
        .values_list(
            "environment__site__display_name",
            "environment__site__kinsta_id",
            "environment__name",
            "kind",
            "name",
            "title",
            "version",
            "update_version",
            "is_version_vulnerable",
            "status",
        )
    )
    for site, site_id, env, kind, name, title, version, update_version, vulnerable, status in rows.iterator(2000):
        flag = "" if vulnerable is None else ("true" if vulnerable else "false")
        yield [site, site_id, env, kind, name, title, version, update_version, flag, status]


def needs_attention(client_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per client: vulnerable items, environments with stale backups, pending updates (two queries)."""
    cells: dict[int, dict[str, int]] = defaultdict(lambda: {"vulnerable": 0, "stale": 0, "pending": 0})
    if not client_ids:
        return {}
    present = Q(
        environment__removed_at__isnull=True,
        environment__site__removed_at__isnull=True,
        removed_at__isnull=True,
        environment__site__assignment__client__in=list(client_ids),
    )
    key = "environment__site__assignment__client"
    sites: dict[int, int | None] = {}
    for row in (
        InstalledItem.objects.filter(present)
        .values(key)
        .annotate(
            vulnerable=Count("pk", filter=Q(is_version_vulnerable=True)),
            pending=Count("pk", filter=~Q(update_version="")),
            # The overview links to a site with a vulnerable item (the client's report when none is).
            site_pk=Max("environment__site_id", filter=Q(is_version_vulnerable=True)),
        )
        .order_by()
    ):
        cells[row[key]]["vulnerable"] = row["vulnerable"]
        cells[row[key]]["pending"] = row["pending"]
        sites[row[key]] = row["site_pk"]
    stale_before = timezone.now() - timedelta(hours=STALE_BACKUP_HOURS)
    stale_envs = (
        Environment.objects.filter(
            site__assignment__client__in=list(client_ids),
            removed_at__isnull=True,
            site__removed_at__isnull=True,
            backups_synced_at__isnull=False,
        )
        .annotate(latest=Max("backups__created_at"))
        .filter(Q(latest__isnull=True) | Q(latest__lt=stale_before))
        .values_list("site__assignment__client", flat=True)
    )
    for client_id in stale_envs:
        cells[client_id]["stale"] += 1
    result = {}
    for client_id, cell in cells.items():
        if any(cell.values()):
            result[client_id] = {**cell, "site_id": sites.get(client_id)}
    return result
