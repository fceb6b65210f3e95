"""Assignments by hand: give sites to a client, or take them away (a hand assignment always wins).

Admin actions, the client page's site rows and the mapping rules (clients.mapping) write through these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from clients.models import Client, MappingRule, SiteAssignment
from kinsta_sync.models import Site


def assign_sites(
    *,
    sites: Iterable[Site],
    client: Client,
    source: str = SiteAssignment.Source.MANUAL,
    rule: MappingRule | None = None,
    assigned_by: Any = None,
) -> int:
    """Give these sites to `client`, replacing any earlier assignment (a hand assignment always wins).

    Returns the number of sites assigned.
    """
    site_ids = sorted({site.pk for site in sites})
    if not site_ids:
        return 0
    by = assigned_by if getattr(assigned_by, "is_authenticated", False) else None
    rows = [
        SiteAssignment(site_id=site_id, client=client, source=source, rule=rule, assigned_by=by) for site_id in site_ids
    ]
    with transaction.atomic():
        SiteAssignment.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["site"],
            update_fields=["client", "source", "rule", "assigned_by", "assigned_at"],
        )
    return len(site_ids)


def unassign_sites(*, sites: Iterable[Site]) -> int:
    """Take these sites away from their client; rules may then map them again. Returns how many were mapped."""
    deleted, _ = SiteAssignment.objects.filter(site__in=[site.pk for site in sites]).delete()
    return deleted
