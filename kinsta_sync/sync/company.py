"""Company steps: the key's validation (which company, status, expiry) and the available regions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kinsta_sync.api.errors import KinstaError
from kinsta_sync.models import Region
from kinsta_sync.sync.strings import fit

if TYPE_CHECKING:
    from kinsta_sync.sync.run import _Context

STEP_VALIDATE = "validate"
STEP_REGIONS = "regions"


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
    key = fit(
        ctx,
        STEP_VALIDATE,
        {"name": info.name or "", "status": info.status or ""},
        resource="api_key",
        item=account.company_id,
        endpoint="GET /validate",
    )
    account.api_key_name = key["name"]
    account.api_key_status = key["status"]
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
        # The region code is the key and stays whole; the name is cut like every name.
        name = fit(
            ctx,
            STEP_REGIONS,
            {"name": item.name},
            resource="region",
            item=item.region,
            endpoint="GET /company/{id}/available-regions",
        )["name"]
        row = existing.get(item.region)
        if row is None:
            counts.created += 1
            changed.append(Region(account=ctx.account, region=item.region, name=name))
        elif row.name != name:
            counts.updated += 1
            row.name = name
            changed.append(row)
        else:
            counts.unchanged += 1
    if changed:
        Region.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["account", "region"], update_fields=["name"]
        )
