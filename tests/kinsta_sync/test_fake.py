"""The fake Kinsta API: generated data, endpoint shapes, errors, rate limits, faults, stats, control API.

In-process through httpx.WSGITransport (no database, no Django needed), plus a few tests over real
HTTP through ``serve()``. Runs without Django settings: ``pytest -p no:django tests/kinsta_sync/test_fake.py``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from kinsta_sync.fake.faults import PADDING_FIELD, UNKNOWN_FIELD
from kinsta_sync.fake.server import serve

KEY = "unit-test-key"
TODAY = date(2025, 11, 20)  # a Thursday
SPEC = AgencySpec(seed=5, sites=12, days=90, users=5, activity_events=120, today=TODAY)
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")


class FakeClock:
    """A monotonic clock the tests move by hand, so rate-limit windows need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def agency() -> FakeAgency:
    return FakeAgency.generate(SPEC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> FakeKinsta:
    # A fresh agency per test: remove_site() mutates it.
    return FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY, clock=clock)


def make_client(app: FakeKinsta, key: str | None = KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url="http://fake.test", transport=httpx.WSGITransport(app=app), headers=headers)


@pytest.fixture
def client(app: FakeKinsta) -> httpx.Client:
    with make_client(app) as http:
        yield http


def analytics(client: httpx.Client, app: FakeKinsta, env_id: str, metric: str, **params: str) -> httpx.Response:
    params.setdefault("company_id", app.agency.company_id)
    return client.get(f"/sites/environments/{env_id}/analytics/{metric}", params=params)


def dataset(response: httpx.Response) -> list[dict[str, str]]:
    return response.json()["analytics"]["analytics_response"]["data"][0]["dataset"]


def assert_error(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status
    assert body["message"] == message


MSG_401 = "No or invalid API key provided to the request"
MSG_404 = "Could not find data or the user does not have permissions to retrieve it"


# --- generated data ---------------------------------------------------------------------------------


def test_it_generates_the_same_agency_from_the_same_seed(agency: FakeAgency) -> None:
    again = FakeAgency.generate(SPEC)
    assert again.company_id == agency.company_id
    assert [(s.id, s.name, s.display_name) for s in again.sites] == [
        (s.id, s.name, s.display_name) for s in agency.sites
    ]
    assert [(a.id, a.created_at, a.descriptions) for a in again.activity] == [
        (a.id, a.created_at, a.descriptions) for a in agency.activity
    ]
    env = agency.live_environments()[0]
    days = [TODAY - timedelta(days=i) for i in range(30)]
    assert [again.analytics_value(env.id, "visits", d) for d in days] == [
        agency.analytics_value(env.id, "visits", d) for d in days
    ]


def test_it_generates_a_different_agency_from_another_seed(agency: FakeAgency) -> None:
    other = FakeAgency.generate(AgencySpec(seed=6, sites=12, days=90, today=TODAY))
    assert other.company_id != agency.company_id
    assert {s.id for s in other.sites}.isdisjoint({s.id for s in agency.sites})


def test_it_gives_every_site_one_live_environment_and_some_a_staging_one() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=3, sites=60, today=TODAY))
    assert len(agency.sites) == 60
    for site in agency.sites:
        assert [env.name for env in site.environments].count("live") == 1
    staged = [s for s in agency.sites if any(env.name == "staging" for env in s.environments)]
    assert 8 <= len(staged) <= 30  # ~30 % of 60
    for site in staged:
        staging = next(env for env in site.environments if env.name == "staging")
        assert re.fullmatch(r"stg-[a-z0-9]+\.kinsta\.cloud", staging.primary_domain.name)


def test_it_groups_brand_sites_under_a_shared_label_and_leaves_some_unlabeled() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=3, sites=60, hostile=False, today=TODAY))
    by_label = Counter(label.name for site in agency.sites for label in site.labels)
    assert max(by_label.values()) >= 3
    assert any(not site.labels for site in agency.sites)
    acme = [site for site in agency.sites if any(label.name == "Acme Corp" for label in site.labels)]
    assert acme, "the Acme Corp brand is always among the first brands of 60 sites"
    assert all(site.live.primary_domain.name.endswith("acme-corp.com") for site in acme)


def test_it_keeps_every_domain_a_valid_hostname_even_with_hostile_names() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=9, sites=60, hostile=True, today=TODAY))
    names = [d.name for s in agency.sites for env in s.environments for d in env.domains]
    assert names
    assert all(HOSTNAME.match(name) for name in names), [n for n in names if not HOSTNAME.match(n)]
    assert len(set(names)) == len(names)


def test_it_includes_hostile_but_legal_strings_only_when_asked() -> None:
    hostile = FakeAgency.generate(AgencySpec(seed=2, sites=30, today=TODAY))
    text = "\n".join(
        [
            *(s.display_name for s in hostile.sites),
            *(label.name for s in hostile.sites for label in s.labels),
            *(u.full_name for u in hostile.users),
            *(d for a in hostile.activity for d in a.descriptions),
        ]
    )
    for needle in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '=HYPERLINK("http://evil.example"',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "東京",
        "\u200f",
        "Müller",
        "🍕",
    ):
        assert needle in text, needle
    assert max(len(s.display_name) for s in hostile.sites) >= 300
    assert any("<script>" in u.full_name for u in hostile.users)
    assert any("<script>" in d for a in hostile.activity for d in a.descriptions)

    tame = FakeAgency.generate(AgencySpec(seed=2, sites=30, hostile=False, today=TODAY))
    tame_text = json.dumps([s.display_name for s in tame.sites] + [u.full_name for u in tame.users])
    assert "<" not in tame_text
    assert not any(s.display_name.startswith(("=", "+", "-", "@")) for s in tame.sites)


def test_it_has_no_analytics_before_a_site_was_created() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=4, sites=60, days=120, today=TODAY))
    young = [s for s in agency.sites if s.created_day > agency.first_day]
    assert young, "about one site in ten is created inside the history window"
    site = young[0]
    env = site.live
    assert agency.analytics_value(env.id, "visits", site.created_day - timedelta(days=1)) is None
    after = [agency.analytics_value(env.id, "diskspace", site.created_day + timedelta(days=i)) for i in range(3)]
    assert any(value is not None for value in after)


def test_it_leaves_a_few_random_days_without_data() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=4, sites=60, days=120, today=TODAY))
    gaps = 0
    for site in agency.sites:
        start = max(site.created_day, agency.first_day)
        days = [start + timedelta(days=i) for i in range((TODAY - start).days + 1)]
        gaps += sum(agency.analytics_value(site.live.id, "visits", d) is None for d in days)
    assert 3 <= gaps <= 60


def test_it_makes_weekends_quieter_and_staging_tiny() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=8, sites=40, days=84, today=TODAY, hostile=False))
    weekday, weekend = Counter(), Counter()
    for env in agency.live_environments():
        for i in range(84):
            day = TODAY - timedelta(days=i)
            value = agency.analytics_value(env.id, "visits", day) or 0
            (weekend if day.weekday() >= 5 else weekday)["sum"] += value
    assert weekend["sum"] / 2 < 0.85 * weekday["sum"] / 5
    staging = [env for s in agency.sites for env in s.environments if env.name == "staging"]
    live_mean = weekday["sum"] / 5 / 12 / len(agency.live_environments())
    for env in staging:
        values = [agency.analytics_value(env.id, "visits", TODAY - timedelta(days=i)) or 0 for i in range(28)]
        assert max(values) < max(20, live_mean / 5)


def test_it_derives_bandwidth_from_visits_and_cdn_from_bandwidth(agency: FakeAgency) -> None:
    env = agency.live_environments()[0]
    day = next(
        TODAY - timedelta(days=i)
        for i in range(30)
        if (agency.analytics_value(env.id, "visits", TODAY - timedelta(days=i)) or 0) > 0
    )
    visits = agency.analytics_value(env.id, "visits", day)
    bandwidth = agency.analytics_value(env.id, "bandwidth", day)
    cdn = agency.analytics_value(env.id, "cdn-bandwidth", day)
    assert visits and bandwidth and cdn is not None
    assert 500_000 < bandwidth / visits < 10_000_000
    assert 0 < cdn < bandwidth
    disk = [agency.analytics_value(env.id, "diskspace", TODAY - timedelta(days=i)) for i in range(60)]
    assert all(isinstance(v, int) and v > 100_000_000 for v in disk if v is not None)


# --- endpoint shapes ---------------------------------------------------------------------------------


def test_it_validates_the_key_and_names_the_company(client: httpx.Client, app: FakeKinsta) -> None:
    body = client.get("/validate").json()
    assert body["company"] == app.agency.company_id
    assert body["status"] == "active"
    assert body["expires_at"].isdigit()  # epoch ms as a string


def test_it_lists_sites_with_full_environments_and_camel_case_keys(client: httpx.Client, app: FakeKinsta) -> None:
    response = client.get("/sites", params={"company": app.agency.company_id, "include_environments": "true"})
    assert response.status_code == 200
    sites = response.json()["company"]["sites"]
    assert len(sites) == SPEC.sites
    first = sites[0]
    assert set(first) == {"id", "name", "display_name", "status", "siteLabels", "environments"}
    env = first["environments"][0]
    assert env["name"] == "live"
    assert env["primaryDomain"]["name"] == env["domains"][0]["name"]
    assert env["container_info"]["php_engine_version"].startswith("php")
    assert isinstance(env["ssh_connection"]["ssh_port"], str)


def test_it_serves_the_labels_of_every_third_site_with_numeric_ids(client: httpx.Client, app: FakeKinsta) -> None:
    # Public clients recorded label ids as numbers against the live API; the document says string (issue 10).
    sites = client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]
    by_id = {site["id"]: site for site in sites}
    numbered = {label.id for i, site in enumerate(app.agency.sites) if i % 3 == 2 for label in site.labels}
    assert numbered, "some third site has labels"
    for site in app.agency.sites:
        served = by_id[site.id]["siteLabels"]
        assert [str(label["id"]) for label in served] == [label.id for label in site.labels]
        for label in served:
            # The same label is a number wherever it appears, a UUID string everywhere else.
            assert isinstance(label["id"], int) == (str(label["id"]) in numbered), label
    assert any(isinstance(label["id"], str) for site in sites for label in site["siteLabels"])
    # Deterministic, and no other id or value of the seed moves.
    plain = FakeAgency.generate(dataclasses.replace(SPEC, numeric_label_ids=False))
    assert [s.id for s in plain.sites] == [s.id for s in app.agency.sites]
    assert [len(s.labels) for s in plain.sites] == [len(s.labels) for s in app.agency.sites]
    assert not any(label.id.isdigit() for s in plain.sites for label in s.labels)
    assert [[label.id for label in s.labels] for s in FakeAgency.generate(SPEC).sites] == [
        [label.id for label in s.labels] for s in app.agency.sites
    ]


def test_it_leaves_out_environments_unless_asked(client: httpx.Client, app: FakeKinsta) -> None:
    sites = client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]
    assert all("environments" not in site for site in sites)


def test_it_returns_one_site_with_short_environments_and_its_company(client: httpx.Client, app: FakeKinsta) -> None:
    site = app.agency.sites[0]
    body = client.get(f"/sites/{site.id}").json()["site"]
    assert body["company_id"] == app.agency.company_id
    assert set(body["environments"][0]) == {
        "id",
        "name",
        "display_name",
        "is_premium",
        "is_blocked",
        "domains",
        "primaryDomain",
    }


def test_it_returns_a_sites_full_environments(client: httpx.Client, app: FakeKinsta) -> None:
    site = next(s for s in app.agency.sites if len(s.environments) == 2)
    envs = client.get(f"/sites/{site.id}/environments").json()["site"]["environments"]
    assert [env["name"] for env in envs] == ["live", "staging"]
    assert "web_root" in envs[1]


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


def test_it_wraps_each_company_user(client: httpx.Client, app: FakeKinsta) -> None:
    users = client.get(f"/company/{app.agency.company_id}/users").json()["company"]["users"]
    assert len(users) == SPEC.users
    assert set(users[0]["user"]) == {"id", "email", "image", "full_name"}


def test_it_lists_regions_and_api_keys(client: httpx.Client, app: FakeKinsta) -> None:
    company = app.agency.company_id
    regions = client.get(f"/company/{company}/available-regions").json()["company"]["available_regions"]
    assert {"name": "Frankfurt DE (europe-west3)", "region": "europe-west3"} in regions
    keys = client.get(f"/company/{company}/api-keys").json()["api_keys"]
    assert {key["status"] for key in keys} == {"active", "revoked", "expired"}


def test_it_pages_activity_logs_newest_first_without_overlap(client: httpx.Client, app: FakeKinsta) -> None:
    url = f"/company/{app.agency.company_id}/activity-logs"
    first = client.get(url).json()["company"]["activity_logs"]
    assert len(first["items"]) == 10  # default limit
    assert first["total"] == SPEC.activity_events
    seen: list[int] = []
    for offset in range(0, first["total"], 25):
        page = client.get(url, params={"limit": 25, "offset": offset}).json()["company"]["activity_logs"]
        assert page["total"] == first["total"]
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == first["total"]
    assert seen == sorted(seen, reverse=True)
    stamps = [a.created_at for a in app.agency.activity]
    assert stamps == sorted(stamps, reverse=True)
    assert client.get(url, params={"offset": first["total"]}).json()["company"]["activity_logs"]["items"] == []


def test_it_filters_activity_logs_by_category_and_site(client: httpx.Client, app: FakeKinsta) -> None:
    url = f"/company/{app.agency.company_id}/activity-logs"
    site_id = next(a.site_id for a in app.agency.activity if a.site_id)
    by_site = client.get(url, params={"site_id": site_id, "limit": 500}).json()["company"]["activity_logs"]
    assert by_site["total"] == len(by_site["items"]) > 0
    assert {item["site_id"] for item in by_site["items"]} == {site_id}
    actions = client.get(url, params={"category": "siteActions", "limit": 500}).json()["company"]["activity_logs"]
    assert 0 < actions["total"] < SPEC.activity_events
    assert all(item["site_id"] for item in actions["items"])
    assert client.get(url, params={"category": "nope"}).status_code == 400
    assert client.get(url, params={"limit": "-1"}).status_code == 400


def test_it_records_failed_actions_with_a_public_error(client: httpx.Client, app: FakeKinsta) -> None:
    items = client.get(f"/company/{app.agency.company_id}/activity-logs", params={"limit": 500}).json()["company"][
        "activity_logs"
    ]["items"]
    failed = [item for item in items if item["has_failed"]]
    assert failed
    assert all(item["public_error"] for item in failed)
    assert all(isinstance(item["id"], int) and isinstance(item["created_at"], int) for item in items)
    assert {"updatePlugin", "clearCache"} <= {item["type"] for item in items}


def test_it_serves_logs_and_requires_its_parameters(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[0]
    url = f"/sites/environments/{env.id}/logs"
    logs = client.get(url, params={"file_name": "error", "lines": 5}).json()["environment"]["container_info"]["logs"]
    assert len(logs.splitlines()) == 5
    assert "[error]" in logs
    for params in (
        {"lines": 5},
        {"file_name": "error"},
        {"file_name": "debug", "lines": 5},
        {"file_name": "access", "lines": 20001},
    ):
        assert_error(client.get(url, params=params), 400, "Bad request format")


# --- errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_it_rejects_a_missing_or_wrong_key_with_401(app: FakeKinsta, key: str | None) -> None:
    with make_client(app, key) as client:
        assert_error(client.get("/validate"), 401, MSG_401)
        assert_error(client.get("/sites", params={"company": app.agency.company_id}), 401, MSG_401)


def test_it_rejects_a_revoked_key_until_restored(client: httpx.Client, app: FakeKinsta) -> None:
    app.revoke_key()
    assert_error(client.get("/validate"), 401, MSG_401)
    app.restore_key()
    assert client.get("/validate").status_code == 200


def test_it_answers_404_for_unknown_and_foreign_ids(client: httpx.Client, app: FakeKinsta) -> None:
    other_company = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"
    env = app.agency.live_environments()[0]
    for response in (
        client.get("/sites/00000000-0000-4000-8000-000000000000"),
        client.get("/sites/00000000-0000-4000-8000-000000000000/environments"),
        client.get("/sites/00000000-0000-4000-8000-000000000000/usage/visits/this-month"),
        client.get("/sites", params={"company": other_company}),
        client.get(f"/company/{other_company}/users"),
        client.get(f"/company/{other_company}/activity-logs"),
        analytics(client, app, "00000000-0000-4000-8000-000000000000", "visits"),
        analytics(client, app, env.id, "visits", company_id=other_company),
        client.get("/no/such/endpoint"),
        client.post("/sites", json={}),
    ):
        assert_error(response, 404, MSG_404)


def test_it_answers_400_for_missing_company_parameters(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[0]
    assert_error(client.get("/sites"), 400, "Bad request format")
    assert_error(client.get(f"/sites/environments/{env.id}/analytics/visits"), 400, "Bad request format")


def test_it_accepts_the_v2_prefix(client: httpx.Client) -> None:
    assert client.get("/v2/validate").status_code == 200


def test_it_makes_a_removed_site_vanish_from_every_endpoint(client: httpx.Client, app: FakeKinsta) -> None:
    site = app.agency.sites[0]
    app.agency.remove_site(site.id)
    ids = [s["id"] for s in client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]]
    assert site.id not in ids
    assert len(ids) == SPEC.sites - 1
    assert client.get(f"/sites/{site.id}").status_code == 404
    assert client.get(f"/sites/{site.id}/usage/visits/this-month").status_code == 404
    assert analytics(client, app, site.live.id, "visits").status_code == 404
    assert app.agency.environment(site.live.id) is None


# --- rate limiting ---------------------------------------------------------------------------------------


def test_it_throttles_over_the_limit_with_429_and_retry_after(clock: FakeClock) -> None:
    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY, requests_per_minute=3, clock=clock)
    with make_client(app) as client:
        remaining = []
        for _ in range(3):
            response = client.get("/validate")
            assert response.status_code == 200
            remaining.append(response.headers["RateLimit-Remaining"])
            clock.now += 10
        assert remaining == ["2", "1", "0"]
        throttled = client.get("/validate")
        assert throttled.status_code == 429
        assert throttled.json() == {"status": 429, "message": "Too many requests, please try again later."}
        assert throttled.headers["Retry-After"] == "30"  # the first request leaves the window at +60 s
        assert throttled.headers["RateLimit-Limit"] == "3"
        clock.now += 30
        assert client.get("/validate").status_code == 200
    assert app.stats.throttled == 1


def test_it_sends_rate_limit_headers_in_each_mode(clock: FakeClock) -> None:
    expected = {"ietf": "ratelimit-", "x": "x-ratelimit-", "none": None}
    for mode, prefix in expected.items():
        app = FakeKinsta(
            FakeAgency.generate(SPEC), api_key=KEY, requests_per_minute=5, rate_limit_headers=mode, clock=clock
        )
        with make_client(app) as client, make_client(app, "bad") as stranger:
            for response in (client.get("/validate"), client.get("/sites/unknown"), stranger.get("/validate")):
                names = {name.lower() for name in response.headers}
                limit_names = {name for name in names if "ratelimit" in name}
                if prefix is None:
                    assert limit_names == set()
                    continue
                assert limit_names == {f"{prefix}limit", f"{prefix}remaining", f"{prefix}reset"}
                assert response.headers[f"{prefix}limit"] == "5"
                assert 1 <= int(response.headers[f"{prefix}reset"]) <= 60


def test_it_limits_the_logs_endpoint_separately(clock: FakeClock) -> None:
    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY, requests_per_minute=100, logs_per_minute=2, clock=clock)
    env = app.agency.live_environments()[0]
    with make_client(app) as client:
        statuses = [
            client.get(f"/sites/environments/{env.id}/logs", params={"file_name": "error", "lines": 1}).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        assert client.get("/validate").status_code == 200
        assert client.get("/validate").headers["RateLimit-Limit"] == "100"


# --- faults ------------------------------------------------------------------------------------------------


def test_it_injects_a_429_with_the_given_retry_after(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("429", seconds=7)
    response = client.get("/validate")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["message"] == "Too many requests, please try again later."
    assert client.get("/validate").status_code == 200
    assert app.stats.throttled == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_injects_server_errors_with_the_error_envelope(client: httpx.Client, app: FakeKinsta, status: int) -> None:
    app.faults.add(str(status))
    response = client.get("/validate")
    assert response.status_code == status
    assert response.json()["status"] == status
    assert response.json()["message"]


def test_it_matches_faults_by_path_after_and_times(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("500", path="/analytics/", after=1, times=2)
    env = app.agency.live_environments()[0]
    assert client.get("/validate").status_code == 200  # other path: untouched
    statuses = [analytics(client, app, env.id, "visits").status_code for _ in range(4)]
    assert statuses == [202, 500, 500, 202]
    assert app.faults.pending() == []


def test_it_keeps_a_forever_fault_until_cleared(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("503", times=-1)
    assert [client.get("/validate").status_code for _ in range(3)] == [503, 503, 503]
    app.faults.clear()
    assert client.get("/validate").status_code == 200


def test_it_delays_slow_and_timeout_responses(client: httpx.Client, app: FakeKinsta) -> None:
    for kind in ("slow", "timeout"):
        app.faults.add(kind, seconds=0.15)
        started = time.monotonic()
        response = client.get("/validate")
        assert time.monotonic() - started >= 0.15
        assert response.status_code == 200


def test_it_surfaces_a_reset_as_a_transport_error_in_process(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("reset")
    with pytest.raises(httpx.TransportError):
        client.get("/validate")
    assert client.get("/validate").status_code == 200


def test_it_truncates_the_body_for_malformed_json(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("malformed_json", path="/sites")
    response = client.get("/sites", params={"company": app.agency.company_id})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_it_drops_one_required_field(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("missing_field", path="/sites")
    sites = client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]
    assert "id" not in sites[0]
    assert all("id" in site for site in sites[1:])
    assert sites[0]["name"]

    app.faults.add("missing_field", path="/analytics/")
    points = dataset(analytics(client, app, app.agency.live_environments()[0].id, "visits"))
    assert "value" not in points[0]
    assert all("value" in p for p in points[1:])


def test_it_adds_unknown_fields_at_every_level(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("unknown_fields")
    body = client.get(f"/sites/{app.agency.sites[0].id}").json()
    assert UNKNOWN_FIELD in body
    assert UNKNOWN_FIELD in body["site"]
    assert UNKNOWN_FIELD in body["site"]["environments"][0]
    assert UNKNOWN_FIELD in body["site"]["environments"][0]["primaryDomain"]


def test_it_puts_a_non_numeric_value_in_analytics(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("non_numeric")
    assert client.get("/validate").status_code == 200  # nothing to damage: the fault waits
    points = dataset(analytics(client, app, app.agency.live_environments()[0].id, "visits"))
    assert [p["value"] for p in points].count("n/a") == 1
    assert app.faults.pending() == []


@pytest.mark.parametrize("over", ["in-process", "real-http"])
def test_it_serves_a_huge_body_as_valid_json_generated_while_it_is_sent(app: FakeKinsta, over: str) -> None:
    size = 3 * 1024 * 1024 + 17
    fault = app.faults.add("huge_body", path="/company", size=size)
    if over == "real-http":
        auth = {"Authorization": f"Bearer {KEY}"}
        with serve(app) as server, httpx.Client(base_url=server.url, headers=auth) as http:
            response = http.get(f"/company/{app.agency.company_id}/users")
    else:
        response = make_client(app).get(f"/company/{app.agency.company_id}/users")
    assert response.status_code == 200
    assert "content-length" not in response.headers  # only reading tells how long it is
    assert len(response.content) == size == fault.streamed
    body = response.json()
    assert set(body[PADDING_FIELD]) == {"x"}
    assert len(body["company"]["users"]) == len(app.agency.users)  # the real answer is all there


def test_it_leaves_error_responses_alone_for_body_faults(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("malformed_json")
    assert client.get("/sites/unknown").json()["status"] == 404
    assert len(app.faults.pending()) == 1


def test_it_refuses_unknown_fault_kinds(app: FakeKinsta) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        app.faults.add("explode")


# --- stats -------------------------------------------------------------------------------------------------


def test_it_counts_every_request_by_route_template(app: FakeKinsta, clock: FakeClock) -> None:
    site = app.agency.sites[0]
    with make_client(app) as client:
        client.get("/validate")
        client.get(f"/sites/{site.id}")
        client.get(f"/sites/{app.agency.sites[1].id}")
        client.get("/sites/unknown")
        client.get("/nope")
    make_client(app, None).get("/validate")
    stats = app.stats
    assert stats.requests == 6
    assert stats.by_path == Counter({"/sites/{site_id}": 3, "/validate": 2, "(unmatched)": 1})
    assert [record.status for record in stats.log] == [200, 200, 200, 404, 404, 401]
    stats.reset()
    assert (stats.requests, stats.by_path, stats.max_rate_per_minute) == (0, Counter(), 0)


def test_it_tracks_the_highest_rate_in_any_sliding_minute(app: FakeKinsta, clock: FakeClock) -> None:
    with make_client(app) as client:
        for _ in range(5):
            client.get("/validate")
            clock.now += 5  # 5 requests within 20 s
        clock.now += 60
        for _ in range(3):
            client.get("/validate")
            clock.now += 1
        assert app.stats.max_rate_per_minute == 5
        for _ in range(4):
            client.get("/validate")
        assert app.stats.max_rate_per_minute == 7


# --- control API -------------------------------------------------------------------------------------------


def test_it_is_scriptable_through_the_control_api(app: FakeKinsta) -> None:
    control = make_client(app, None)
    assert control.post("/__fake__/faults", json={"kind": "502", "path": "/validate", "times": 2}).status_code == 201
    assert control.post("/__fake__/faults", json={"kind": "boom"}).status_code == 400
    with make_client(app) as client:
        assert client.get("/validate").status_code == 502
        assert control.delete("/__fake__/faults").status_code == 200
        assert client.get("/validate").status_code == 200

        site = app.agency.sites[0]
        assert control.post(f"/__fake__/remove-site/{site.id}").status_code == 200
        assert client.get(f"/sites/{site.id}").status_code == 404
        assert control.post(f"/__fake__/remove-site/{site.id}").status_code == 404

        control.post("/__fake__/revoke-key")
        assert client.get("/validate").status_code == 401
        control.post("/__fake__/restore-key")
        assert client.get("/validate").status_code == 200

    stats = control.get("/__fake__/stats").json()
    assert stats["requests"] == 5  # control calls are neither counted nor rate limited
    assert stats["by_path"]["/validate"] == 4
    assert "ratelimit-limit" not in control.get("/__fake__/stats").headers


# --- over real HTTP ----------------------------------------------------------------------------------------


def test_it_serves_over_real_http_with_keep_alive_and_drops_connections_on_reset() -> None:
    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY)
    with (
        serve(app) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=2.0) as client,
    ):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        first = client.get("/validate", extensions={"trace": None})
        assert first.status_code == 200
        assert first.http_version == "HTTP/1.1"
        sites = client.get("/v2/sites", params={"company": app.agency.company_id})
        assert len(sites.json()["company"]["sites"]) == SPEC.sites

        app.faults.add("reset", path="/validate")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/validate")
        app.faults.add("timeout", seconds=1.0)
        with pytest.raises(httpx.ReadTimeout):
            client.get("/validate", timeout=0.2)
        assert client.get("/validate").status_code == 200

        control = httpx.post(f"{server.url}/__fake__/faults", json={"kind": "500", "path": "/sites"})
        assert control.status_code == 201
        assert client.get(f"/sites/{app.agency.sites[0].id}").status_code == 500
        assert httpx.get(f"{server.url}/__fake__/stats").json()["requests"] == 6


def test_it_hangs_up_on_kept_alive_connections_when_stopped() -> None:
    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY)
    server = serve(app)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=2.0) as client:
        assert client.get("/validate").status_code == 200  # leaves a pooled keep-alive connection
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/validate")


def test_the_command_parses_fault_options() -> None:
    from django.core.management.base import CommandError

    from kinsta_sync.management.commands.fake_kinsta import parse_fault

    assert parse_fault("500") == {"kind": "500", "path": None, "times": 1, "seconds": 0.0}
    assert parse_fault("500:/analytics/:3") == {"kind": "500", "path": "/analytics/", "times": 3, "seconds": 0.0}
    assert parse_fault("429::-1:5") == {"kind": "429", "path": None, "times": -1, "seconds": 5.0}
    with pytest.raises(CommandError):
        parse_fault("explode")
    with pytest.raises(CommandError):
        parse_fault("500:/sites:many")


def test_it_logs_site_activity_only_after_the_site_exists() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=4, sites=60, days=120, today=TODAY))
    created = {site.id: site.created_day for site in agency.sites}
    site_events = [a for a in agency.activity if a.site_id]
    assert site_events
    for event in site_events:
        assert datetime.fromtimestamp(event.created_at / 1000, UTC).date() >= created[event.site_id]


def test_it_counts_concurrent_requests_exactly_over_real_http() -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY, requests_per_minute=30)
    with (
        serve(app) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=5) as http,
        ThreadPoolExecutor(max_workers=10) as pool,
    ):
        statuses = Counter(pool.map(lambda _: http.get("/validate").status_code, range(50)))
    assert statuses == Counter({200: 30, 429: 20})
    assert (app.stats.requests, app.stats.throttled, app.stats.max_rate_per_minute) == (50, 20, 50)
