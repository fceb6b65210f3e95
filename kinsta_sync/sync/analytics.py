"""The analytics step: four daily series per environment, the backfill once, then the last few days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from kinsta_sync.api.errors import KinstaAuthError, KinstaError
from kinsta_sync.models import METRIC_API_PATHS, AnalyticsPoint, Environment, today_utc

if TYPE_CHECKING:
    from kinsta_sync.sync.run import Counts, _Context

STEP_ANALYTICS = "analytics"
# Kinsta's analytics endpoints answer at most 60 days per request (REFERENCE.md §4.3).
MAX_ANALYTICS_DAYS = 60


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
