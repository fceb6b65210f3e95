"""kinsta_sync.sync.traffic over real HTTP against the fake: what is stored, the request budget, the switches,
a failed environment retried."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Sum

from kinsta_sync.models import Environment, SyncRun, TrafficCursor, TrafficKind, TrafficPoint, today_utc
from kinsta_sync.sync import DAILY_STEPS, run_sync
from kinsta_sync.sync.traffic import MAX_TRAFFIC_DAYS

pytestmark = pytest.mark.django_db

TRAFFIC_PATHS = ("response-codes", "top-countries", "top-referrers", "visits-dispersion")


def traffic_requests(fake_app) -> list:  # type: ignore[no-untyped-def]
    return [r for r in fake_app.stats.log if r.path.rsplit("/", 1)[-1] in TRAFFIC_PATHS]


def stored(kind: str) -> set[tuple[str, object, str, int]]:
    return set(TrafficPoint.objects.filter(kind=kind).values_list("environment__kinsta_id", "day", "key", "value"))


def test_the_stored_series_equal_the_fakes(account, agency):
    run = run_sync(account=account)
    assert run.status == SyncRun.Status.SUCCESS, run.errors

    today = today_utc()
    live = [site.live for site in agency.active_sites()]
    codes, devices, countries, referrers = set(), set(), set(), set()
    for env in live:
        for offset in range(MAX_TRAFFIC_DAYS):
            day = today - timedelta(days=offset)
            traffic = agency.traffic_day(env.id, day)
            if traffic is None:
                continue
            codes |= {(env.id, day, code, count) for code, count in traffic.codes.items()}
            devices |= {(env.id, day, name, round(float(p) * 100)) for name, p in traffic.devices.items()}
        yesterday = agency.traffic_day(env.id, today - timedelta(days=1))
        if yesterday is not None:
            countries |= {(env.id, today - timedelta(days=1), n, c) for n, c in yesterday.countries}
            referrers |= {(env.id, today - timedelta(days=1), n, c) for n, c in yesterday.referrers}
    assert stored(TrafficKind.RESPONSE_CODE) == codes and codes
    assert stored(TrafficKind.DEVICE) == devices and devices
    assert stored(TrafficKind.COUNTRY) == countries and countries
    assert stored(TrafficKind.REFERRER) == referrers and referrers
    # Live environments only: no staging environment has a row.
    assert not TrafficPoint.objects.filter(environment__is_live=False).exists()
    assert Environment.objects.filter(is_live=False).exists()


def test_a_period_sums_correctly_across_days(account, agency):
    run_sync(account=account, steps=("sites", "traffic"))
    today = today_utc()
    env = agency.active_sites()[0].live
    days = [today - timedelta(days=offset) for offset in range(3, 10)]
    expected = Counter()
    for day in days:
        traffic = agency.traffic_day(env.id, day)
        if traffic:
            expected.update(traffic.codes)
    rows = (
        TrafficPoint.objects.filter(environment__kinsta_id=env.id, kind=TrafficKind.RESPONSE_CODE, day__in=days)
        .values("key")
        .annotate(total=Sum("value"))
    )
    assert {row["key"]: row["total"] for row in rows} == dict(expected) and expected


def test_at_most_four_requests_per_live_environment_on_every_run(account, fake_app):
    run_sync(account=account)
    live = Environment.objects.filter(is_live=True).count()
    per_env = Counter(r.path.split("/")[3] for r in traffic_requests(fake_app))
    assert len(per_env) == live and max(per_env.values()) == 4

    fake_app.stats.reset()
    run_sync(account=account, steps=DAILY_STEPS)
    # The series again (the last days), the top lists are up to date until tomorrow.
    per_env = Counter(r.path.split("/")[3] for r in traffic_requests(fake_app))
    assert max(per_env.values()) <= 4 and sum(per_env.values()) == 2 * live
    staging = set(Environment.objects.filter(is_live=False).values_list("kinsta_id", flat=True))
    assert not staging & set(per_env)

    # The next day the top lists ask for one day each.
    TrafficCursor.objects.filter(kind__in=[TrafficKind.COUNTRY, TrafficKind.REFERRER]).update(
        synced_through=today_utc() - timedelta(days=2)
    )
    fake_app.stats.reset()
    run_sync(account=account, steps=DAILY_STEPS)
    requests = traffic_requests(fake_app)
    assert Counter(r.path.split("/")[3] for r in requests) == {env: 4 for env in per_env}
    yesterday = (today_utc() - timedelta(days=1)).isoformat()
    assert all(r.query["from"] == r.query["to"] == yesterday for r in requests if "top-" in r.path)


def test_switched_off_kinds_cost_no_request(account, fake_app):
    account.traffic_countries = account.traffic_referrers = False
    account.save()
    run_sync(account=account)
    assert {r.path.rsplit("/", 1)[-1] for r in traffic_requests(fake_app)} == {"response-codes", "visits-dispersion"}
    assert not TrafficPoint.objects.filter(kind__in=[TrafficKind.COUNTRY, TrafficKind.REFERRER]).exists()

    account.traffic_response_codes = account.traffic_devices = False
    account.save()
    fake_app.stats.reset()
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS
    assert traffic_requests(fake_app) == []


def test_a_failed_environment_is_recorded_and_retried_next_run(account, agency, fake_app):
    env = agency.active_sites()[0].live
    fake_app.faults.add("500", path=f"{env.id}/analytics/top-countries", times=-1)
    run = run_sync(account=account)

    assert run.status == SyncRun.Status.PARTIAL
    errors = [e for e in run.errors if e["step"] == "traffic"]
    assert errors and all(e["item"] == env.id for e in errors)
    assert not TrafficPoint.objects.filter(environment__kinsta_id=env.id, kind=TrafficKind.COUNTRY).exists()
    assert TrafficPoint.objects.filter(environment__kinsta_id=env.id, kind=TrafficKind.REFERRER).exists()

    fake_app.faults.clear()
    assert run_sync(account=account, steps=DAILY_STEPS).status == SyncRun.Status.SUCCESS
    yesterday = today_utc() - timedelta(days=1)
    expected = {(env.id, yesterday, n, c) for n, c in agency.traffic_day(env.id, yesterday).countries}
    assert {row for row in stored(TrafficKind.COUNTRY) if row[0] == env.id} == expected


def test_a_second_sync_changes_nothing(account):
    run_sync(account=account)
    before = sorted(TrafficPoint.objects.values_list("environment_id", "day", "kind", "key", "value"))
    run = run_sync(account=account)
    assert sorted(TrafficPoint.objects.values_list("environment_id", "day", "kind", "key", "value")) == before
    assert run.counts["traffic"]["created"] == run.counts["traffic"]["updated"] == 0


def test_a_referrer_longer_than_the_key_is_stored_cut_with_a_warning(account, agency):
    from dataclasses import replace

    from kinsta_sync.models import TRAFFIC_KEY_CHARS

    env = agency.active_sites()[0].live
    long_referrer = "https://evil.example/" + "A" * 4000 + "<script>alert(1)</script>"
    agency.traffic_day(env.id, today_utc())  # builds the environment's profile
    profile = agency._traffic_profiles[env.id]
    agency._traffic_profiles[env.id] = replace(profile, referrers=((long_referrer, 100.0),))

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS
    warnings = [e for e in run.errors if e.get("level") == "warning" and e["step"] == "traffic"]
    assert warnings and warnings[0]["item"] == env.id and "traffic.referrer" in warnings[0]["field"]
    keys = list(
        TrafficPoint.objects.filter(environment__kinsta_id=env.id, kind=TrafficKind.REFERRER).values_list(
            "key", flat=True
        )
    )
    assert keys == [long_referrer[:TRAFFIC_KEY_CHARS]]


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("malformed_json", "/analytics/top-referrers"),
        ("missing_field", "/analytics/response-codes"),
        ("502", "/analytics/visits-dispersion"),
        ("unknown_fields", "/analytics/top-countries"),
    ],
)
def test_a_fault_on_a_traffic_endpoint_is_recorded_and_the_next_run_heals(account, agency, fake_app, kind, path):
    fake_app.faults.add(kind, path=path, times=-1)
    run = run_sync(account=account)
    ignored = kind == "unknown_fields"  # Kinsta adds fields without notice: they are ignored
    assert run.status == (SyncRun.Status.SUCCESS if ignored else SyncRun.Status.PARTIAL), run.errors
    assert ignored or {e["step"] for e in run.errors} == {"traffic"}

    fake_app.faults.clear()
    assert run_sync(account=account, steps=DAILY_STEPS).status == SyncRun.Status.SUCCESS
    today = today_utc()
    expected = {
        (site.live.id, day, code, count)
        for site in agency.active_sites()
        for offset in range(MAX_TRAFFIC_DAYS)
        if (traffic := agency.traffic_day(site.live.id, day := today - timedelta(days=offset)))
        for code, count in traffic.codes.items()
    }
    assert stored(TrafficKind.RESPONSE_CODE) == expected
    yesterday = today - timedelta(days=1)
    referrers = {
        (site.live.id, yesterday, name, count)
        for site in agency.active_sites()
        if (traffic := agency.traffic_day(site.live.id, yesterday))
        for name, count in traffic.referrers
    }
    assert stored(TrafficKind.REFERRER) == referrers
