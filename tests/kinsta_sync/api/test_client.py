"""KinstaClient against the fake Kinsta: every method returns what the fake holds, damaged bodies, secrecy.

The fake runs in-process (httpx.WSGITransport) on the fake clock of conftest.py. No database.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.errors import KinstaAuthError, KinstaError, KinstaResponseError
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from kinsta_sync.fake.server import RunningServer
from tests.kinsta_sync.api.helpers import API_KEY, TODAY, FakeClock, make_client

METRICS = ("visits", "bandwidth", "cdn-bandwidth", "diskspace")


def _expected_days(agency: FakeAgency, env_id: str, metric: str, start: date, end: date) -> list[tuple[date, int]]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [(d, v) for d in days if (v := agency.analytics_value(env_id, metric, d)) is not None]


def _busiest_live_env(agency: FakeAgency) -> str:
    def days_with_data(env_id: str) -> int:
        return len(_expected_days(agency, env_id, "visits", agency.first_day, agency.today))

    return max((env.id for env in agency.live_environments()), key=days_with_data)


# --- every method returns what the fake's agency holds ---------------------------------------------


def test_it_validates_the_key_and_names_the_company(client: KinstaClient, agency: FakeAgency) -> None:
    key = client.validate()
    assert key.company == agency.company_id
    assert key.is_active
    assert key.name == agency.api_keys[0].name
    assert key.expires_at == datetime(2028, 8, 21, 8, 15, 21, 872000, tzinfo=UTC)


def test_it_lists_every_site_with_labels_and_full_environments(
    client: KinstaClient, agency: FakeAgency, fake: FakeKinsta
) -> None:
    parsed = client.list_sites()
    assert parsed.errors == []
    expected = agency.active_sites()
    assert [(s.id, s.name, s.display_name, s.status) for s in parsed.items] == [
        (s.id, s.name, s.display_name, s.status) for s in expected
    ]
    for site, fake_site in zip(parsed.items, expected, strict=True):
        assert [(label.id, label.name) for label in site.labels] == [(r.id, r.name) for r in fake_site.labels]
        assert [
            (
                e.id,
                e.name,
                e.display_name,
                e.is_premium,
                e.is_blocked,
                e.wordpress_version,
                e.php_version,
                e.primary_domain.name if e.primary_domain else None,
                [d.name for d in e.domains],
            )
            for e in site.environments
        ] == [
            (
                e.id,
                e.name,
                e.display_name,
                e.is_premium,
                e.is_blocked,
                e.wordpress_version,
                e.php_version,
                e.primary_domain.name,
                [d.name for d in e.domains],
            )
            for e in fake_site.environments
        ]
    (record,) = fake.stats.log
    assert record.query == {"company": agency.company_id, "include_environments": "true"}


def test_it_gets_one_site_with_its_short_environments(client: KinstaClient, agency: FakeAgency) -> None:
    fake_site = next(s for s in agency.sites if len(s.environments) > 1)
    site = client.get_site(fake_site.id)
    assert (site.id, site.display_name, site.company_id) == (
        fake_site.id,
        fake_site.display_name,
        agency.company_id,
    )
    assert [(e.id, e.name, e.primary_domain.name if e.primary_domain else None) for e in site.environments] == [
        (e.id, e.name, e.primary_domain.name) for e in fake_site.environments
    ]


def test_it_lists_the_environments_of_a_site(client: KinstaClient, agency: FakeAgency) -> None:
    fake_site = next(s for s in agency.sites if len(s.environments) > 1)
    envs = client.list_environments(fake_site.id)
    assert [(e.id, e.php_version, e.wordpress_version) for e in envs] == [
        (e.id, e.php_version, e.wordpress_version) for e in fake_site.environments
    ]


@pytest.mark.parametrize("metric", METRICS)
def test_it_returns_the_daily_analytics_the_agency_holds(
    client: KinstaClient, agency: FakeAgency, fake: FakeKinsta, metric: str
) -> None:
    env_id = _busiest_live_env(agency)
    start, end = TODAY - timedelta(days=29), TODAY
    values = client.analytics(env_id, metric, start=start, end=end)
    assert [(v.day, v.value) for v in values] == _expected_days(agency, env_id, metric, start, end)
    assert values, "the busiest environment should have data in the last 30 days"
    (record,) = fake.stats.log
    assert record.query["company_id"] == agency.company_id
    assert (record.query["from"], record.query["to"]) == (start.isoformat(), end.isoformat())
    # time_zone is required for diskspace only (REFERENCE §4.3).
    assert record.query.get("time_zone") == ("00:00" if metric == "diskspace" else None)


def test_it_splits_ranges_longer_than_60_days(client: KinstaClient, agency: FakeAgency, fake: FakeKinsta) -> None:
    env_id = _busiest_live_env(agency)
    start, end = agency.first_day, agency.today  # 90 days
    values = client.analytics(env_id, "visits", start=start, end=end)
    assert [(v.day, v.value) for v in values] == _expected_days(agency, env_id, "visits", start, end)
    assert len(values) == 90  # both pieces, no day twice
    ranges = [(r.query["from"], r.query["to"]) for r in fake.stats.log]
    assert ranges == [
        (start.isoformat(), (start + timedelta(days=59)).isoformat()),
        ((start + timedelta(days=60)).isoformat(), end.isoformat()),
    ]


def test_it_leaves_days_without_data_out_instead_of_zero(client: KinstaClient, agency: FakeAgency) -> None:
    start, end = agency.first_day, agency.today
    gappy = [
        env.id
        for env in agency.live_environments()
        if 0 < len(_expected_days(agency, env.id, "visits", start, end)) < 90
    ]
    assert gappy, "the fake agency should have an environment with days without data"
    values = client.analytics(gappy[0], "visits", start=start, end=end)
    assert [(v.day, v.value) for v in values] == _expected_days(agency, gappy[0], "visits", start, end)
    assert len(values) < 90


@pytest.mark.parametrize(("bucket_format", "status"), [("z", 202), ("naive", 200)])
def test_it_reads_both_bucket_formats_and_both_success_codes(
    agency: FakeAgency, clock: FakeClock, bucket_format: str, status: int
) -> None:
    fake = FakeKinsta(agency, clock=clock.now, bucket_format=bucket_format, analytics_status=status)
    env_id = _busiest_live_env(agency)
    start = TODAY - timedelta(days=13)
    with make_client(fake, clock) as kinsta:
        values = kinsta.analytics(env_id, "bandwidth", start=start, end=TODAY)
    assert [(v.day, v.value) for v in values] == _expected_days(agency, env_id, "bandwidth", start, TODAY)


def test_it_reads_this_months_usage_in_three_calls(client: KinstaClient, agency: FakeAgency, fake: FakeKinsta) -> None:
    site = agency.active_sites()[3]
    usage = client.this_month_usage(site.id)
    assert (usage.site_id, usage.visits, usage.bandwidth, usage.cdn_bandwidth) == (
        site.id,
        agency.month_usage(site.id, "visits"),
        agency.month_usage(site.id, "bandwidth"),
        agency.month_usage(site.id, "cdn-bandwidth"),
    )
    assert fake.stats.requests == 3


def test_it_lists_users_regions_and_api_keys(client: KinstaClient, agency: FakeAgency) -> None:
    users = client.list_users()
    assert users.errors == []
    assert [(u.id, u.email, u.full_name, u.image) for u in users.items] == [
        (u.id, u.email, u.full_name, u.image) for u in agency.users
    ]
    regions = client.list_regions()
    assert [(r.region, r.name) for r in regions.items] == [(r.region, r.name) for r in agency.regions]
    keys = client.list_api_keys()
    assert [(k.id, k.name, k.status) for k in keys.items] == [(k.id, k.name, k.status) for k in agency.api_keys]
    assert [k.expires_at.isoformat() if k.expires_at else None for k in keys.items] == [
        datetime.fromisoformat(k.expires_at).isoformat() if k.expires_at else None for k in agency.api_keys
    ]


def test_it_reads_one_page_of_activity(client: KinstaClient, agency: FakeAgency) -> None:
    page = client.activity_logs(offset=10, limit=25)
    assert page.total == len(agency.activity)
    assert page.errors == []
    expected = agency.activity[10:35]
    assert [e.id for e in page.items] == [a.id for a in expected]
    first, fake_first = page.items[0], expected[0]
    assert first.created_at == datetime.fromtimestamp(fake_first.created_at / 1000, tz=UTC)
    assert (first.type, first.site_id, first.descriptions) == (
        fake_first.type,
        fake_first.site_id,
        fake_first.descriptions,
    )
    assert first.initiated_by_id == (fake_first.initiated_by.id if fake_first.initiated_by else None)
    assert first.api_key_name == (fake_first.api_key.name if fake_first.api_key else None)


def test_it_pages_through_all_activity_until_the_total(
    client: KinstaClient, agency: FakeAgency, fake: FakeKinsta
) -> None:
    pages = list(client.iter_activity_logs(page_size=50))
    assert [len(p.items) for p in pages] == [50, 50, 20]
    assert [e.id for p in pages for e in p.items] == [a.id for a in agency.activity]
    assert [r.query["offset"] for r in fake.stats.log] == ["0", "50", "100"]


def test_it_stops_paging_after_the_page_holding_a_known_id(
    client: KinstaClient, agency: FakeAgency, fake: FakeKinsta
) -> None:
    known = {agency.activity[57].id, agency.activity[110].id}
    pages = list(client.iter_activity_logs(stop_at_ids=known, page_size=25))
    assert len(pages) == 3  # ids 0-24, 25-49, 50-74 (holds index 57)
    assert fake.stats.requests == 3


# --- damaged bodies --------------------------------------------------------------------------------


def test_it_reports_a_site_missing_its_id_and_keeps_the_others(
    client: KinstaClient, agency: FakeAgency, fake: FakeKinsta
) -> None:
    fake.faults.add("missing_field", path="/sites")
    parsed = client.list_sites()
    assert [s.id for s in parsed.items] == [s.id for s in agency.active_sites()[1:]]
    assert [str(e) for e in parsed.errors] == ["GET /sites: company.sites[0].id: Field required"]


def test_it_ignores_unknown_fields_added_everywhere(client: KinstaClient, agency: FakeAgency, fake: FakeKinsta) -> None:
    fake.faults.add("unknown_fields", times=-1)
    assert [s.id for s in client.list_sites().items] == [s.id for s in agency.active_sites()]
    assert client.activity_logs(limit=5).errors == []
    assert client.list_users().errors == []


def test_it_rejects_a_non_numeric_analytics_value_without_retrying(
    client: KinstaClient, agency: FakeAgency, fake: FakeKinsta
) -> None:
    fake.faults.add("non_numeric", path="/analytics/visits")
    with pytest.raises(KinstaResponseError) as caught:
        client.analytics(_busiest_live_env(agency), "visits", start=TODAY - timedelta(days=9), end=TODAY)
    message = str(caught.value)
    assert message.startswith("GET /sites/environments/{env_id}/analytics/visits: analytics.analytics_response")
    assert ".value: " in message and "'n/a'" in message
    assert fake.stats.requests == 1


def test_it_rejects_malformed_json_without_retrying(client: KinstaClient, fake: FakeKinsta) -> None:
    fake.faults.add("malformed_json", path="/company")
    with pytest.raises(KinstaResponseError, match=r"^GET /company/\{id\}/users: HTTP 200: malformed JSON"):
        client.list_users()
    assert fake.stats.requests == 1
    assert client.stats.retries == 0


# --- secrecy -------------------------------------------------------------------------------------


def test_the_key_is_not_in_the_clients_repr(client: KinstaClient, agency: FakeAgency) -> None:
    text = repr(client)
    assert API_KEY not in text
    assert agency.company_id in text
    assert "api.kinsta.test" in text


def test_the_key_never_reaches_logs_or_errors_of_failing_calls(
    caplog: pytest.LogCaptureFixture, fake: FakeKinsta, clock: FakeClock, real_server: RunningServer
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk-live-7d1c3a9f-secret"
    failures: list[BaseException] = []
    fake.api_key = secret
    fake.faults.add("500", times=2, path="/company")
    fake.faults.add("reset", times=1, path="/sites")
    with make_client(fake, clock, base_url=real_server.url, api_key=secret, max_retries=1) as kinsta:
        kinsta.list_sites()  # one retry after a dropped connection
        with pytest.raises(KinstaError) as caught:
            kinsta.list_users()  # 500 twice: gives up
        failures.append(caught.value)
        fake.revoke_key()
        with pytest.raises(KinstaAuthError) as caught_auth:
            kinsta.validate()
        failures.append(caught_auth.value)
    assert caplog.records, "the client should log its retries"
    assert any(r.name == "kinsta_sync.api.transport" for r in caplog.records)
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in repr(record.args)
    for failure in failures:
        assert secret not in str(failure)
        assert secret not in repr(failure)
        assert failure.__cause__ is None or secret not in str(failure.__cause__)


def test_a_server_message_echoing_the_key_is_redacted(clock: FakeClock) -> None:
    secret = "sk-echo-123456"
    transport = httpx.MockTransport(
        lambda request: httpx.Response(401, json={"message": f"Key {secret} is revoked", "status": 401})
    )
    with (
        make_client(None, clock, api_key=secret, transport=transport) as kinsta,
        pytest.raises(KinstaAuthError) as caught,
    ):
        kinsta.validate()
    assert secret not in str(caught.value)
    assert "Key *** is revoked" in str(caught.value)


def test_it_sends_the_bearer_key_and_accepts_json(clock: FakeClock) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"company": {"available_regions": []}})

    with make_client(None, clock, transport=httpx.MockTransport(answer), company_id="abc/def") as kinsta:
        kinsta.list_regions()
    (request,) = seen
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Accept"] == "application/json"
    # Ids are escaped into the path, and the base URL's /v2 prefix is kept.
    assert request.url.raw_path == b"/v2/company/abc%2Fdef/available-regions"
