"""kinsta_sync.fake.routes.analytics: the analytics and usage endpoints' shapes, ranges and quirks."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from tests.kinsta_sync.fake.helpers import KEY, SPEC, TODAY, analytics, assert_error, dataset, make_client


def test_it_answers_analytics_with_202_and_string_values(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[0]
    response = analytics(client, app, env.id, "visits", time_span="30_days")
    assert response.status_code == 202
    series = response.json()["analytics"]["analytics_response"]
    assert series["key"] == "uniqueip"
    points = series["data"][0]["dataset"]
    assert all(isinstance(p["value"], str) and p["value"].isdigit() for p in points)
    assert series["data"][0]["total"] == sum(int(p["value"]) for p in points)
    assert points[-1]["key"] == f"{TODAY.isoformat()}T00:00:00"
    assert len(points) <= 30
    expected = app.agency.analytics_value(env.id, "visits", TODAY)
    assert expected is None or int(points[-1]["value"]) == expected


@pytest.mark.parametrize(
    ("metric", "key"),
    [
        ("visits", "uniqueip"),
        ("bandwidth", "bandwidth"),
        ("cdn-bandwidth", "cdn-bandwidth"),
        ("diskspace", "diskSpaceUsage"),
    ],
)
def test_it_names_each_analytics_series_like_kinsta(
    client: httpx.Client, app: FakeKinsta, metric: str, key: str
) -> None:
    env = app.agency.live_environments()[0]
    response = analytics(client, app, env.id, metric, time_zone="00:00")
    assert response.status_code == 202
    assert response.json()["analytics"]["analytics_response"]["key"] == key
    assert response.json()["analytics"]["analytics_response"]["data"][0]["name"] == key


def test_it_serves_an_inclusive_from_to_range(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[1]
    start, end = TODAY - timedelta(days=20), TODAY - timedelta(days=11)
    points = dataset(analytics(client, app, env.id, "bandwidth", **{"from": start.isoformat(), "to": end.isoformat()}))
    expected = {
        f"{(start + timedelta(days=i)).isoformat()}T00:00:00": app.agency.analytics_value(
            env.id, "bandwidth", start + timedelta(days=i)
        )
        for i in range(10)
    }
    assert {p["key"]: int(p["value"]) for p in points} == {k: v for k, v in expected.items() if v is not None}


def test_it_rejects_ranges_over_60_days_and_malformed_ranges(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[0]
    ok = analytics(client, app, env.id, "visits", **{"from": "2025-09-22", "to": "2025-11-20"})  # 60 days
    assert ok.status_code == 202
    for params in (
        {"from": "2025-09-21", "to": "2025-11-20"},  # 61 days
        {"from": "2025-11-10", "to": "2025-11-01"},
        {"from": "2025-11-01"},
        {"from": "2025-11-1", "to": "2025-11-20"},
        {"time_span": "90_days"},
    ):
        assert_error(analytics(client, app, env.id, "visits", **params), 400, "Bad request format")


def test_it_requires_a_time_zone_for_disk_space_only(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[0]
    assert_error(analytics(client, app, env.id, "diskspace"), 400, "Bad request format")
    assert_error(analytics(client, app, env.id, "diskspace", time_zone="2"), 400, "Bad request format")
    assert analytics(client, app, env.id, "diskspace", time_zone="-05:00").status_code == 202
    assert analytics(client, app, env.id, "visits").status_code == 202


def test_it_rejects_24_hours_for_disk_space_and_serves_hourly_buckets_otherwise(
    client: httpx.Client, app: FakeKinsta
) -> None:
    env = next(
        env for env in app.agency.live_environments() if app.agency.analytics_value(env.id, "visits", TODAY) is not None
    )
    assert analytics(client, app, env.id, "diskspace", time_zone="02:00", time_span="24_hours").status_code == 400
    points = dataset(analytics(client, app, env.id, "visits", time_span="24_hours"))
    assert [p["key"] for p in points] == [f"{TODAY.isoformat()}T{h:02d}:00:00" for h in range(24)]


def test_it_omits_days_without_data_from_the_dataset() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=4, sites=60, days=120, today=TODAY))
    app = FakeKinsta(agency, api_key=KEY)
    env, gap = next(
        (env, TODAY - timedelta(days=i))
        for env in agency.live_environments()
        for i in range(60)
        if agency.analytics_value(env.id, "visits", TODAY - timedelta(days=i)) is None
        and env.created_day < agency.first_day
    )
    with make_client(app) as client:
        points = dataset(analytics(client, app, env.id, "visits", time_span="60_days"))
    keys = {p["key"][:10] for p in points}
    assert gap.isoformat() not in keys
    assert len(keys) < 60


def test_it_can_format_buckets_with_a_z_and_answer_analytics_with_200() -> None:
    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY, bucket_format="z", analytics_status=200)
    env = app.agency.live_environments()[0]
    with make_client(app) as client:
        response = analytics(client, app, env.id, "visits")
    assert response.status_code == 200
    assert all(p["key"].endswith("T00:00:00.000Z") for p in dataset(response))


def test_it_reports_this_month_usage_with_the_cdn_quirk(client: httpx.Client, app: FakeKinsta) -> None:
    site = app.agency.sites[0]
    visits = client.get(f"/sites/{site.id}/usage/visits/this-month").json()["site"]
    cdn = client.get(f"/sites/{site.id}/usage/cdn-bandwidth/this-month").json()["site"]
    bandwidth = client.get(f"/sites/{site.id}/usage/bandwidth/this-month").json()["site"]
    assert visits["this_month_usage"]["visits"] == app.agency.month_usage(site.id, "visits")
    assert bandwidth["this_month_usage"]["bandwidth"] == app.agency.month_usage(site.id, "bandwidth")
    assert cdn["this_month_cdn_usage"]["bandwidth"] == app.agency.month_usage(site.id, "cdn-bandwidth")
    assert "this_month_usage" not in cdn
