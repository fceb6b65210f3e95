"""Kinsta's own this-month count (REFERENCE §4.4) against our daily analytics: fetched over real HTTP from the
fake Kinsta, stored once per site, metric and month, and a mismatch shown on the usage page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dashboard.usage.billing import month_containing
from dashboard.usage.models import KinstaUsage
from dashboard.usage.reconcile import fetch_kinsta_usage, reconciliation
from kinsta_sync.models import AnalyticsPoint, Site
from kinsta_sync.sync import run_sync
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(account, agency):
    run_sync(account=account)
    return account


def test_kinstas_count_matches_our_synced_analytics(synced, agency, fake_app):
    today = timezone.localdate()
    fake_app.stats.reset()
    assert fetch_kinsta_usage(account=synced, today=today) == []
    sites = Site.objects.filter(account=synced).present().count()
    assert fake_app.stats.requests == 3 * sites  # three requests per site, nothing else
    assert KinstaUsage.objects.count() == 3 * sites
    first = Site.objects.filter(account=synced).present().order_by("pk").first()
    stored = KinstaUsage.objects.get(site=first, metric="visits")
    assert stored.value == agency.month_usage(first.kinsta_id, "visits")
    # Fetching again the same day updates the rows, adds none.
    fetch_kinsta_usage(account=synced, today=today)
    assert KinstaUsage.objects.count() == 3 * sites
    checks = reconciliation(account=synced, month=month_containing(today, 1))
    assert [c.metric for c in checks] == ["visits", "bandwidth", "cdn_bandwidth"]
    assert all(not c.differs for c in checks), checks
    assert all(c.kinsta > 0 and c.ours == c.kinsta for c in checks)


def test_a_difference_beyond_the_tolerance_is_shown_on_the_usage_page(client, synced):
    today = timezone.localdate()
    fetch_kinsta_usage(account=synced, today=today)
    staff = make_user("staff", password="pw-staff-123!", is_staff=True)
    client.force_login(staff)
    page = client.get("/usage/").content.decode()
    assert 'id="check-heading"' in page and "data-differs" not in page
    # Our copy of one day loses most of its visits (a sync that stored a partial day, say).
    month = month_containing(today, 1)
    point = AnalyticsPoint.objects.filter(metric="visits", day__gte=month.start).order_by("-value").first()
    AnalyticsPoint.objects.filter(pk=point.pk).update(value=0)
    checks = {c.metric: c for c in reconciliation(account=synced, month=month)}
    assert checks["visits"].differs and not checks["bandwidth"].differs
    page = client.get("/usage/").content.decode()
    assert page.count("data-differs") == 1
    assert ">differs<" in page


def test_a_site_that_fails_costs_only_itself(synced, fake_app):
    site = Site.objects.filter(account=synced).present().order_by("pk").first()
    fake_app.agency.remove_site(site.kinsta_id)  # 404 from now on
    errors = fetch_kinsta_usage(account=synced)
    assert len(errors) == 1 and site.kinsta_id in errors[0]
    assert KinstaUsage.objects.exclude(site=site).count() == 3 * (Site.objects.present().count() - 1)
    assert not KinstaUsage.objects.filter(site=site).exists()


def test_the_daily_schedule_runs_the_fetch_for_every_active_account(synced):
    from django_q.models import Schedule

    from dashboard.usage.schedules import KINSTA_USAGE_SCHEDULE, ensure_schedules
    from dashboard.usage.tasks import fetch_kinsta_usage as task

    ensure_schedules()
    schedule = Schedule.objects.get(name=KINSTA_USAGE_SCHEDULE)
    assert (schedule.func, schedule.schedule_type) == ("dashboard.usage.tasks.fetch_kinsta_usage", Schedule.DAILY)
    assert task() == "Kinsta usage fetched; 0 site(s) failed"
    assert KinstaUsage.objects.count() == 3 * Site.objects.present().count()
