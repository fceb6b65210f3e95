"""The sites step: every site with its labels and environments, from one call (REFERENCE.md §4.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kinsta_sync.models import Environment, Site, SiteLabel
from kinsta_sync.sync.strings import fit
from kinsta_sync.sync.upsert import _diff, _upsert_changed

if TYPE_CHECKING:
    from kinsta_sync.sync.run import _Context

STEP_SITES = "sites"
ENDPOINT = "GET /sites"


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
        label_rows = {
            kid: fit(ctx, STEP_SITES, {"name": name}, resource="label", item=kid, endpoint=ENDPOINT)["name"]
            for kid, name in label_rows.items()
        }
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
            site.id: fit(
                ctx,
                STEP_SITES,
                {
                    "account_id": account.pk,
                    "name": site.name,
                    "display_name": site.display_name,
                    "status": site.status or "",
                    "removed_at": None,
                },
                resource="site",
                item=site.id,
                endpoint=ENDPOINT,
            )
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
            env.id: fit(
                ctx,
                STEP_SITES,
                {
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
                },
                resource="environment",
                item=env.id,
                endpoint=ENDPOINT,
            )
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
