"""What several sync test modules share: a snapshot of the mirror, the analytics points it should hold, aging it."""

from __future__ import annotations

from datetime import timedelta

from kinsta_sync.models import (
    METRIC_API_PATHS,
    ActivityLogEntry,
    AnalyticsPoint,
    CompanyUser,
    Environment,
    Region,
    Site,
    today_utc,
)


def snapshot() -> dict[str, list[tuple]]:
    """Every mirrored row, as plain values, to compare two states of the database."""
    return {
        "sites": sorted(Site.objects.values_list("kinsta_id", "name", "display_name", "status", "removed_at")),
        "labels": sorted(Site.labels.through.objects.values_list("site__kinsta_id", "sitelabel__name")),
        "envs": sorted(
            Environment.objects.values_list(
                "kinsta_id",
                "site__kinsta_id",
                "name",
                "display_name",
                "php_version",
                "wordpress_version",
                "primary_domain",
                "removed_at",
                "analytics_synced_through",
                "updated_at",
            )
        ),
        "points": sorted(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value")),
        "users": sorted(CompanyUser.objects.values_list("kinsta_id", "email", "full_name", "removed_at", "updated_at")),
        "activity": sorted(ActivityLogEntry.objects.values_list("kinsta_id", "type", "description", "has_failed")),
        "regions": sorted(Region.objects.values_list("region", "name")),
    }


def expected_points(agency, *, days: int) -> set[tuple[str, str, object, int]]:
    """What the fake serves for every live environment over the backfill window."""
    today = today_utc()
    expected = set()
    for site in agency.active_sites():
        for env in site.environments:
            for metric, api_path in METRIC_API_PATHS.items():
                for offset in range(days):
                    day = today - timedelta(days=offset)
                    value = agency.analytics_value(env.id, api_path, day)
                    if value is not None:
                        expected.add((env.id, str(metric), day, value))
    return expected


def stored_points() -> dict[tuple, int]:
    return {
        (env, metric, day): value
        for env, metric, day, value in AnalyticsPoint.objects.values_list(
            "environment__kinsta_id", "metric", "day", "value"
        )
    }


def age_mirror(days: int) -> None:
    """Make the mirror look as if the last sync was `days` ago: the newest days are not stored yet."""
    cutoff = today_utc() - timedelta(days=days)
    AnalyticsPoint.objects.filter(day__gt=cutoff).delete()
    Environment.objects.update(analytics_synced_through=cutoff)
