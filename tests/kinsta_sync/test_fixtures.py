"""Replay of response bodies in the shapes real Kinsta responses have (tests/kinsta_sync/fixtures/, see its README).

A tiny WSGI app answers each endpoint with its fixture, served over real HTTP on loopback by the fake's own
server machinery (kinsta_sync/fake/server.py). The real `KinstaClient` reads every file, and a real
`run_sync()` stores every site, label, environment, analytics point, user and activity entry in them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.fake.server import RunningServer, serve
from kinsta_sync.models import (
    METRIC_API_PATHS,
    ActivityLogEntry,
    AnalyticsPoint,
    Backup,
    CompanyUser,
    Environment,
    InstalledItem,
    KinstaAccount,
    Region,
    Site,
    SiteLabel,
    SyncRun,
    today_utc,
)
from kinsta_sync.sync import run_sync

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMPANY = "c0ffee00-1111-4aaa-8bbb-000000000001"
KEY = "replay-key"
METRICS = ("visits", "bandwidth", "cdn-bandwidth", "diskspace")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# Path pattern -> (fixture file, status). Analytics answer 202 as the document says (REFERENCE §4.3).
ROUTES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str], int]] = [
    (re.compile(r"/validate"), lambda m: "validate.json", 200),
    (re.compile(r"/sites"), lambda m: "sites.json", 200),
    (re.compile(r"/sites/environments/[^/]+/analytics/([a-z-]+)"), lambda m: f"analytics-{m[1]}.json", 202),
    (re.compile(r"/sites/[^/]+/usage/([a-z-]+)/this-month"), lambda m: f"usage-{m[1]}.json", 200),
    (re.compile(r"/company/[^/]+/users"), lambda m: "users.json", 200),
    (re.compile(r"/company/[^/]+/activity-logs"), lambda m: "activity-logs.json", 200),
    (re.compile(r"/company/[^/]+/available-regions"), lambda m: "regions.json", 200),
    (re.compile(r"/company/[^/]+/api-keys"), lambda m: "api-keys.json", 200),
    # wp-themes has no file: the replay answers 404 there, as Kinsta did before January 2026, and the client
    # falls back to the deprecated paths (REFERENCE §5.1).
    (re.compile(r"/sites/environments/[^/]+/(wp-plugins|plugins|themes|backups)"), lambda m: f"{m[1]}.json", 200),
]


class Replay:
    """A WSGI app that answers each known path with its fixture file, and 404 (Kinsta's envelope) otherwise."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        self.paths.append(path)
        status, body = 404, {"message": "Could not find data", "status": 404, "data": None}
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {KEY}":
            status, body = 401, {"message": "No or invalid API key provided to the request", "status": 401}
        else:
            for pattern, name, code in ROUTES:
                found = pattern.fullmatch(path)
                if found and (FIXTURES / name(found)).is_file():
                    status, body = code, fixture(name(found))
                    break
        data = json.dumps(body).encode()
        start_response(f"{status} Replay", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


@pytest.fixture
def replay() -> Iterable[RunningServer]:
    server = serve(Replay())
    yield server
    server.stop()


def client_for(server: RunningServer) -> KinstaClient:
    return KinstaClient(base_url=server.url, api_key=KEY, company_id=COMPANY, max_retries=0, backoff_base=0.01)


# --- what the files say, read straight from the JSON -------------------------------------------------------


def raw_sites() -> list[dict[str, Any]]:
    return fixture("sites.json")["company"]["sites"]


def raw_labels(site: dict[str, Any]) -> list[tuple[str, str]]:
    labels = site["siteLabels"] if "siteLabels" in site else site.get("site_labels") or []
    return [(str(label["id"]), label["name"]) for label in labels]


def raw_points(metric: str) -> list[tuple[date, int]]:
    dataset = fixture(f"analytics-{metric}.json")["analytics"]["analytics_response"]["data"][0]["dataset"]
    return [(date.fromisoformat(point["key"][:10]), int(point["value"])) for point in dataset]


def all_raw_envs() -> list[dict[str, Any]]:
    return [env for site in raw_sites() for env in site["environments"]]


def test_the_fixtures_have_the_shapes_real_responses_have() -> None:
    # Guards the fixtures themselves: without these shapes the replay would prove nothing.
    sites = raw_sites()
    labels = [label for site in sites for label in site.get("siteLabels") or site.get("site_labels") or []]
    assert {type(label["id"]) for label in labels} == {int, str}
    assert any("site_labels" in site for site in sites) and any("siteLabels" in site for site in sites)
    domains = [d for env in all_raw_envs() for d in [*env["domains"], env["primaryDomain"]]]
    assert all(set(domain) == {"id", "name", "type"} for domain in domains)
    assert "php8.1" in {env["container_info"]["php_engine_version"] for env in all_raw_envs()}
    keys = {metric: fixture(f"analytics-{metric}.json")["analytics"]["analytics_response"] for metric in METRICS}
    dataset_keys = [p["key"] for k in keys.values() for p in k["data"][0]["dataset"]]
    assert any(key.endswith(".000Z") for key in dataset_keys) and any(key.endswith("T00:00:00") for key in dataset_keys)
    assert all(isinstance(p["value"], str) for k in keys.values() for p in k["data"][0]["dataset"])
    items = fixture("activity-logs.json")["company"]["activity_logs"]["items"]
    assert all(isinstance(item["created_at"], int) for item in items)


# --- the real client over real HTTP ---------------------------------------------------------------------


def test_the_client_reads_every_recorded_shape_over_real_http(replay: RunningServer) -> None:
    with client_for(replay) as client:
        key = client.validate()
        sites = client.list_sites()
        analytics = {
            metric: client.analytics(all_raw_envs()[0]["id"], metric, start=date(2025, 10, 1), end=date(2025, 11, 29))
            for metric in METRICS
        }
        usage = client.this_month_usage(raw_sites()[0]["id"])
        users = client.list_users()
        activity = client.activity_logs()
        api_keys = client.list_api_keys()
        regions = client.list_regions()

    assert (key.company, key.is_active, key.expires_at) == (COMPANY, True, datetime(2030, 1, 1, tzinfo=UTC))
    assert sites.errors == sites.warnings == []
    assert [(s.id, s.name, s.display_name, s.status) for s in sites.items] == [
        (s["id"], s["name"], s["display_name"], s["status"]) for s in raw_sites()
    ]
    assert [[(label.id, label.name) for label in s.labels] for s in sites.items] == [raw_labels(s) for s in raw_sites()]
    assert sites.items[0].labels[0].id == "3335"
    envs = [env for site in sites.items for env in site.environments]
    assert [(e.id, e.name, e.php_version, e.primary_domain.name) for e in envs] == [
        (e["id"], e["name"], e["container_info"]["php_engine_version"], e["primaryDomain"]["name"])
        for e in all_raw_envs()
    ]
    assert [[d.name for d in e.domains] for e in envs] == [[d["name"] for d in e["domains"]] for e in all_raw_envs()]
    for metric in METRICS:
        assert [(p.day, p.value) for p in analytics[metric]] == raw_points(metric), metric
    raw_usage = [fixture(f"usage-{kind}.json")["site"] for kind in ("visits", "bandwidth", "cdn-bandwidth")]
    assert (usage.visits, usage.bandwidth, usage.cdn_bandwidth) == (
        raw_usage[0]["this_month_usage"]["visits"],
        raw_usage[1]["this_month_usage"]["bandwidth"],
        raw_usage[2]["this_month_cdn_usage"]["bandwidth"],
    )
    assert users.errors == [] and [u.email for u in users.items] == [
        item["user"]["email"] for item in fixture("users.json")["company"]["users"]
    ]
    raw_items = fixture("activity-logs.json")["company"]["activity_logs"]["items"]
    assert activity.errors == [] and activity.total == len(raw_items)
    assert [(e.id, e.created_at) for e in activity.items] == [
        (item["id"], datetime.fromtimestamp(item["created_at"] / 1000, tz=UTC)) for item in raw_items
    ]
    assert api_keys.errors == []
    assert [k.expires_at for k in api_keys.items] == [datetime(2028, 8, 21, 8, 15, 21, 872000, tzinfo=UTC), None]
    assert regions.errors == [] and len(regions.items) == 3


# --- a real sync of the replay ----------------------------------------------------------------------------


@pytest.fixture
def replay_account(db, settings, replay: RunningServer) -> KinstaAccount:
    settings.KINSTA_API_URL = replay.url
    settings.KINSTA_REQUESTS_PER_MINUTE = 100_000
    settings.KINSTA_RETRY_BACKOFF = 0.01
    settings.KINSTA_TIMEOUT = 2.0
    settings.KINSTA_MAX_RETRIES = 0
    # The recorded days lie in the past: reach back to them (in 60-day pieces, each answered by the same file).
    earliest = min(day for metric in METRICS for day, _ in raw_points(metric))
    settings.KINSTA_BACKFILL_DAYS = (today_utc() - earliest).days + 1
    account = KinstaAccount(company_id=COMPANY, name="Replayed agency")
    account.set_api_key(KEY)
    account.save()
    return account


def test_a_sync_of_the_recorded_shapes_stores_every_site_label_and_analytics_point(replay_account) -> None:
    # The traffic files name days of 2025 that no sync window reaches today (fixtures/README.md).
    replay_account.traffic_response_codes = replay_account.traffic_countries = False
    replay_account.traffic_referrers = replay_account.traffic_devices = False
    replay_account.save()
    run = run_sync(account=replay_account)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert run.errors == []
    assert sorted(Site.objects.values_list("kinsta_id", flat=True)) == sorted(s["id"] for s in raw_sites())
    # Every label, numeric ids as their digits, from either spelling; a label shared by two sites is one row.
    pairs = set(Site.labels.through.objects.values_list("site__kinsta_id", "sitelabel__kinsta_id"))
    assert pairs == {(site["id"], label_id) for site in raw_sites() for label_id, _ in raw_labels(site)}
    assert dict(SiteLabel.objects.values_list("kinsta_id", "name")) == dict(
        label for site in raw_sites() for label in raw_labels(site)
    )
    assert sorted(Environment.objects.values_list("kinsta_id", "php_version", "is_live")) == sorted(
        (e["id"], e["container_info"]["php_engine_version"], e["name"] == "live") for e in all_raw_envs()
    )
    # Every analytics point of every environment and metric, both bucket key forms read as the same days.
    stored = set(AnalyticsPoint.objects.values_list("environment__kinsta_id", "metric", "day", "value"))
    expected = {
        (env["id"], str(metric), day, value)
        for env in all_raw_envs()
        for metric, api_path in METRIC_API_PATHS.items()
        for day, value in raw_points(api_path)
    }
    assert stored == expected
    assert len(stored) == len(all_raw_envs()) * 4 * 3
    # Plugins and themes: the first environment read wp-plugins, then wp-themes answered 404 and every later
    # call went to the deprecated paths (no vulnerability flags there: unknown, never False).
    (first,) = InstalledItem.objects.filter(name="woocommerce").values_list("environment__kinsta_id", flat=True)
    in_first = InstalledItem.objects.filter(environment__kinsta_id=first)
    assert set(in_first.values_list("name", "is_version_vulnerable")) == {
        ("akismet", False), ("woocommerce", True), ("twentytwentyfour", None)
    }  # fmt: skip
    in_others = InstalledItem.objects.exclude(environment__kinsta_id=first)
    assert set(in_others.values_list("name", "version", "is_version_vulnerable")) == {
        ("akismet", "1.0.0", None), ("twentytwentyfour", "1.2", None)
    }  # fmt: skip
    assert Backup.objects.count() == 2 * len(all_raw_envs())
    assert set(Backup.objects.values_list("type", flat=True)) == {"manual", "scheduled"}
    assert sorted(CompanyUser.objects.values_list("kinsta_id", flat=True)) == sorted(
        item["user"]["id"] for item in fixture("users.json")["company"]["users"]
    )
    raw_items = fixture("activity-logs.json")["company"]["activity_logs"]["items"]
    assert sorted(ActivityLogEntry.objects.values_list("kinsta_id", "occurred_at", "site__kinsta_id")) == sorted(
        (item["id"], datetime.fromtimestamp(item["created_at"] / 1000, tz=UTC), item["site_id"]) for item in raw_items
    )
    assert Region.objects.count() == 3
    replay_account.refresh_from_db()
    assert replay_account.api_key_expires_at == datetime(2030, 1, 1, tzinfo=UTC)

    # And a second replay changes nothing.
    again = run_sync(account=replay_account)
    assert again.status == SyncRun.Status.SUCCESS, again.errors
    assert all(c["created"] == c["updated"] == c["removed"] == 0 for c in again.counts.values()), again.counts


def test_the_recorded_traffic_shapes_are_read(replay: RunningServer) -> None:
    day, next_day = date(2025, 8, 19), date(2025, 8, 20)
    with client_for(replay) as client:
        codes = client.response_codes("e0e00001", start=day, end=next_day)
        countries = client.top_list("e0e00001", "top-countries", day=day)
        referrers = client.top_list("e0e00001", "top-referrers", day=day)
        devices = client.visits_dispersion("e0e00001", start=day, end=day)
    raw_codes = fixture("analytics-response-codes.json")["analytics"]["analytics_response"]["data"]
    assert {(c.day, c.code, c.count) for c in codes} == {
        (date.fromisoformat(p["key"][:10]), series["response_code"], int(p["value"]))
        for series in raw_codes
        for p in series["data"]
    }
    assert [(e.name, e.count) for e in countries] == [("United States", 620), ("Japan", 410), ("Germany", 96)]
    assert [(e.name, e.count) for e in referrers] == [("www.google.com", 312), ("t.co", 45)]
    assert [(s.device, s.basis_points) for s in devices] == [("desktop", 6250), ("mobile", 3500), ("tablet", 250)]
