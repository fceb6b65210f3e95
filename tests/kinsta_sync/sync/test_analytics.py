"""kinsta_sync.sync.analytics: which days a sync fetches (the last days, a gap, the first backfill)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kinsta_sync.models import METRIC_API_PATHS, AnalyticsPoint, Environment, today_utc
from kinsta_sync.sync import DAILY_STEPS, run_sync
from tests.kinsta_sync.sync.helpers import expected_points

pytestmark = pytest.mark.django_db


def test_a_later_sync_fetches_only_the_last_days(account, fake_app, settings):
    run_sync(account=account)
    fake_app.stats.reset()

    run_sync(account=account, steps=DAILY_STEPS)

    # The four time series; the traffic step's endpoints (response codes, ...) have tests of their own.
    analytics = [r for r in fake_app.stats.log if r.path.rsplit("/", 1)[-1] in METRIC_API_PATHS.values()]
    assert len(analytics) == 4 * Environment.objects.count()
    today = today_utc()
    for record in analytics:
        assert record.query["to"] == today.isoformat()
        assert record.query["from"] == (today - timedelta(days=settings.KINSTA_REFETCH_DAYS - 1)).isoformat()


def test_a_sync_after_a_long_pause_fills_the_gap(account, agency, settings):
    run_sync(account=account)
    # Pretend the last complete day was 20 days ago and those days were lost.
    twenty_days_ago = today_utc() - timedelta(days=20)
    Environment.objects.update(analytics_synced_through=twenty_days_ago)
    AnalyticsPoint.objects.filter(day__gt=twenty_days_ago).delete()

    run_sync(account=account, steps=DAILY_STEPS)

    stored = set(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value"))
    assert stored == expected_points(agency, days=60)


def test_the_first_sync_backfills_more_than_sixty_days_in_chunks(account, agency, settings, fake_app):
    settings.KINSTA_BACKFILL_DAYS = 75

    run_sync(account=account, steps=("sites", "analytics"))

    stored = set(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value"))
    assert stored == expected_points(agency, days=75)
    # 75 days is two requests per metric: Kinsta answers at most 60 days at a time.
    analytics = [r for r in fake_app.stats.log if "/analytics/" in r.path]
    assert len(analytics) == 2 * 4 * Environment.objects.count()
