"""KinstaClient against the fake Kinsta: data, retries, permanent errors, rate limiting, secrecy.

Most tests run the fake in-process (httpx.WSGITransport) and share one fake clock between the fake's
rate limiter/statistics and the client's limiter, so minutes of rate limiting take no real time. A few
run over real HTTP (``serve()``) for timeouts, dropped connections and one real-time rate check.
No database.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from kinsta_sync.api import limits as limits_module
from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.errors import (
    KinstaAuthError,
    KinstaError,
    KinstaNotFound,
    KinstaRateLimited,
    KinstaResponseError,
)
from kinsta_sync.api.limits import RateLimiter, limiter_for
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from kinsta_sync.fake.server import RunningServer, serve

API_KEY = "fake-kinsta-key"
TODAY = date(2026, 3, 15)
METRICS = ("visits", "bandwidth", "cdn-bandwidth", "diskspace")


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it (thread-safe)."""

    def __init__(self, start: float = 10_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
            self.sleeps.append(seconds)

    def wall(self) -> float:
        return 1_750_000_000.0 + self.now()


@pytest.fixture(scope="module")
def agency() -> FakeAgency:
    # Read-only for every test that uses it; tests that remove sites build their own.
    return FakeAgency.generate(AgencySpec(seed=1, sites=5, days=90, activity_events=120, today=TODAY))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(agency: FakeAgency, clock: FakeClock) -> FakeKinsta:
    return FakeKinsta(agency, api_key=API_KEY, clock=clock.now)


@pytest.fixture
def real_server(fake: FakeKinsta) -> Iterator[RunningServer]:
    server = serve(fake)
    yield server
    server.stop()


def make_client(
    fake: FakeKinsta | None,
    clock: FakeClock,
    *,
    base_url: str = "https://api.kinsta.test/v2",
    api_key: str = API_KEY,
    company_id: str | None = None,
    requests_per_minute: int = 1000,
    logs_per_minute: int = 1000,
    transport: httpx.BaseTransport | None = None,
    **kwargs: Any,
) -> KinstaClient:
    if transport is None and fake is not None and base_url.startswith("https://api.kinsta.test"):
        transport = httpx.WSGITransport(app=fake)
    limiter = RateLimiter(
        requests_per_minute, logs_per_minute, clock=clock.now, sleep=clock.sleep, wall_clock=clock.wall
    )
    kwargs.setdefault("backoff_base", 0.01)
    kwargs.setdefault("timeout", 2.0)
    return KinstaClient(
        base_url=base_url,
        api_key=api_key,
        company_id=company_id or (fake.agency.company_id if fake else "company-1"),
        transport=transport,
        limiter=limiter,
        **kwargs,
    )


@pytest.fixture
def client(fake: FakeKinsta, clock: FakeClock) -> Iterator[KinstaClient]:
    with make_client(fake, clock) as kinsta:
        yield kinsta


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


# --- the size cap ----------------------------------------------------------------------------------

MiB = 1024 * 1024


@pytest.mark.parametrize("over", ["in-process", "real-http"])
def test_a_body_over_the_size_cap_fails_its_call_after_reading_no_more_than_the_cap(
    fake: FakeKinsta, clock: FakeClock, real_server: RunningServer, over: str
) -> None:
    # 100 MiB of valid JSON, generated while it is sent and without a Content-Length: only reading tells.
    fault = fake.faults.add("huge_body", path="/sites", size=100 * MiB)
    base_url = real_server.url if over == "real-http" else "https://api.kinsta.test/v2"
    with make_client(fake, clock, base_url=base_url, max_response_bytes=1 * MiB) as kinsta:
        with pytest.raises(KinstaResponseError) as caught:
            kinsta.list_sites()
        assert kinsta.stats.bytes_read <= 1 * MiB + 64 * 1024  # the cap and at most one more chunk
        assert kinsta.stats.requests == 1  # not retried: the same request would get the same body
        assert kinsta.validate().company == fake.agency.company_id  # the next call is fine
    error = caught.value
    assert error.permanent
    assert error.endpoint == "GET /sites"
    assert "larger than the cap of 1 MiB" in str(error)
    assert "KINSTA_MAX_RESPONSE_BYTES" in str(error)
    # The fake made nowhere near 100 MiB: the client hung up (the rest is what sockets buffer on the way).
    assert fault.fired == 1
    assert fault.streamed < 8 * MiB


def test_a_content_length_over_the_cap_fails_before_the_body_is_read(clock: FakeClock) -> None:
    read: list[int] = []

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            read.append(1)
            yield b"{}"

    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"Content-Length": str(40 * MiB)}, stream=Body())
    )
    with make_client(None, clock, transport=transport, max_response_bytes=32 * MiB) as kinsta:
        with pytest.raises(KinstaResponseError) as caught:
            kinsta.list_regions()
        assert kinsta.stats.bytes_read == 0
    assert read == []
    assert "announces 40 MiB" in str(caught.value)
    assert "larger than the cap of 32 MiB" in str(caught.value)


def test_a_body_exactly_at_the_cap_is_read(clock: FakeClock) -> None:
    body = b'{"company": {"available_regions": [{"region": "eu", "name": "Europe"}]}}'
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with make_client(None, clock, transport=transport, max_response_bytes=len(body)) as kinsta:
        assert [r.name for r in kinsta.list_regions().items] == ["Europe"]
    with (
        make_client(None, clock, transport=transport, max_response_bytes=len(body) - 1) as kinsta,
        pytest.raises(KinstaResponseError),
    ):
        kinsta.list_regions()


# --- permanent errors ------------------------------------------------------------------------------


def test_a_wrong_key_is_a_permanent_auth_error_and_not_retried(fake: FakeKinsta, clock: FakeClock) -> None:
    with make_client(fake, clock, api_key="not-the-key") as kinsta, pytest.raises(KinstaAuthError) as caught:
        kinsta.list_sites()
    assert caught.value.permanent
    assert caught.value.status == 401
    assert caught.value.endpoint == "GET /sites"
    assert str(caught.value).startswith("GET /sites: HTTP 401: ")
    assert fake.stats.requests == 1


def test_a_revoked_key_fails_every_call_once(client: KinstaClient, fake: FakeKinsta) -> None:
    client.validate()
    fake.revoke_key()
    with pytest.raises(KinstaAuthError):
        client.list_users()
    assert fake.stats.requests == 2
    assert client.stats.retries == 0


def test_an_unknown_site_is_a_permanent_not_found(client: KinstaClient, fake: FakeKinsta) -> None:
    with pytest.raises(KinstaNotFound) as caught:
        client.get_site("00000000-0000-0000-0000-000000000000")
    assert caught.value.permanent
    assert caught.value.status == 404
    # The path template, never the filled-in id, names the endpoint.
    assert str(caught.value).startswith("GET /sites/{site_id}: HTTP 404: Could not find data")
    assert fake.stats.requests == 1


def test_a_removed_site_is_not_found(clock: FakeClock) -> None:
    agency = FakeAgency.generate(AgencySpec(seed=2, sites=3, days=10, activity_events=5, today=TODAY))
    fake = FakeKinsta(agency, clock=clock.now)
    gone = agency.sites[1].id
    agency.remove_site(gone)
    with make_client(fake, clock) as kinsta:
        assert gone not in {s.id for s in kinsta.list_sites().items}
        with pytest.raises(KinstaNotFound):
            kinsta.this_month_usage(gone)


def test_a_bad_request_is_permanent_and_not_retried(client: KinstaClient, agency: FakeAgency, fake: FakeKinsta) -> None:
    env_id = agency.live_environments()[0].id
    with pytest.raises(KinstaError) as caught:
        client.analytics(env_id, "diskspace", start=TODAY - timedelta(days=3), end=TODAY, time_zone="Mars/Base")
    assert type(caught.value) is KinstaError
    assert caught.value.permanent
    assert caught.value.status == 400
    assert fake.stats.requests == 1


# --- transient errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_it_retries_server_errors_until_healed(client: KinstaClient, fake: FakeKinsta, kind: str) -> None:
    fake.faults.add(kind, path="/company", times=2)
    assert client.list_regions().items
    assert fake.stats.requests == 3
    assert client.stats.retries == 2
    assert client.stats.requests == 3


def test_it_gives_up_on_a_lasting_server_error_with_a_clear_error(fake: FakeKinsta, clock: FakeClock) -> None:
    fake.faults.add("503", times=-1)
    with make_client(fake, clock, max_retries=2) as kinsta, pytest.raises(KinstaError) as caught:
        kinsta.list_sites()
    assert not caught.value.permanent
    assert caught.value.status == 503
    assert str(caught.value) == ("GET /sites: HTTP 503: Service temporarily unavailable (gave up after 3 attempts)")
    assert fake.stats.requests == 3
    assert kinsta.stats.retries == 2


def test_it_backs_off_exponentially_with_jitter(fake: FakeKinsta, clock: FakeClock) -> None:
    fake.faults.add("500", times=4)
    with make_client(fake, clock, backoff_base=1.0, max_retries=4) as kinsta:
        kinsta.list_users()
    assert len(clock.sleeps) == 4
    for attempt, slept in enumerate(clock.sleeps):
        assert 0 <= slept <= 2**attempt
    assert kinsta.stats.waited_seconds == pytest.approx(sum(clock.sleeps))


def test_it_retries_a_dropped_connection_in_process(client: KinstaClient, fake: FakeKinsta) -> None:
    fake.faults.add("reset", path="/sites")
    assert client.list_sites().items
    assert client.stats.retries == 1
    assert fake.stats.requests == 2


def test_it_names_the_cause_when_connections_keep_dropping(fake: FakeKinsta, clock: FakeClock) -> None:
    fake.faults.add("reset", times=-1)
    with make_client(fake, clock, max_retries=1) as kinsta, pytest.raises(KinstaError) as caught:
        kinsta.validate()
    assert not caught.value.permanent
    assert caught.value.status is None
    assert str(caught.value) == (
        "GET /validate: RemoteProtocolError: Server disconnected without sending a response. (gave up after 2 attempts)"
    )


def test_it_retries_a_timeout_over_real_http(fake: FakeKinsta, clock: FakeClock, real_server: RunningServer) -> None:
    fake.faults.add("timeout", path="/validate", seconds=1.0)
    with make_client(fake, clock, base_url=real_server.url, timeout=0.3) as kinsta:
        assert kinsta.validate().is_active
        assert kinsta.stats.retries == 1


def test_it_fails_clearly_when_every_attempt_times_out(
    fake: FakeKinsta, clock: FakeClock, real_server: RunningServer
) -> None:
    fake.faults.add("slow", path="/validate", seconds=0.5, times=3)
    with (
        make_client(fake, clock, base_url=real_server.url, timeout=0.1, max_retries=2) as kinsta,
        pytest.raises(KinstaError) as caught,
    ):
        kinsta.validate()
    assert not caught.value.permanent
    assert str(caught.value) == "GET /validate: timeout (ReadTimeout) (gave up after 3 attempts)"


def test_it_retries_a_reset_connection_over_real_http(
    fake: FakeKinsta, clock: FakeClock, real_server: RunningServer
) -> None:
    fake.faults.add("reset", path="/sites")
    with make_client(fake, clock, base_url=real_server.url) as kinsta:
        assert len(kinsta.list_sites().items) == len(fake.agency.active_sites())
        assert kinsta.stats.retries == 1


# --- 429 -----------------------------------------------------------------------------------------


def test_it_honours_retry_after_on_429(client: KinstaClient, fake: FakeKinsta, clock: FakeClock) -> None:
    fake.faults.add("429", path="/company", seconds=7)
    started = clock.now()
    assert client.list_users().items
    assert client.stats.throttled == 1
    assert client.stats.retries == 0  # a 429 is a throttle, not a failure
    assert clock.now() - started == pytest.approx(7.0)
    assert client.stats.waited_seconds == pytest.approx(7.0)


def test_it_raises_rate_limited_after_the_allowed_retries(fake: FakeKinsta, clock: FakeClock) -> None:
    fake.faults.add("429", times=-1)
    with make_client(fake, clock, max_retries=1) as kinsta, pytest.raises(KinstaRateLimited) as caught:
        kinsta.list_sites()
    assert not caught.value.permanent
    assert caught.value.status == 429
    assert str(caught.value).startswith("GET /sites: HTTP 429: still rate limited")
    assert fake.stats.requests == 1 + (1 + 2)  # the first try and max_retries + 2 retries
    assert kinsta.stats.throttled == 4


def test_it_caps_retry_after_and_reads_http_dates(clock: FakeClock) -> None:
    def in_30_seconds() -> str:
        return format_datetime(datetime.fromtimestamp(clock.wall() + 30, tz=UTC), usegmt=True)

    answers = iter(
        [
            lambda: httpx.Response(429, headers={"Retry-After": "86400"}, json={"message": "slow down"}),
            lambda: httpx.Response(429, headers={"Retry-After": in_30_seconds()}, json={"message": "slow down"}),
            lambda: httpx.Response(200, json={"name": "k", "expires_at": None, "company": "c", "status": "active"}),
        ]
    )
    transport = httpx.MockTransport(lambda request: next(answers)())
    with make_client(None, clock, transport=transport) as kinsta:
        kinsta.validate()
    assert clock.sleeps[0] == pytest.approx(120.0)  # capped
    assert clock.sleeps[1] == pytest.approx(30.0, abs=1.0)  # an HTTP date (whole seconds) 30 s ahead
    assert kinsta.stats.throttled == 2


def test_a_too_many_requests_message_counts_as_a_throttle(clock: FakeClock) -> None:
    answers = iter(
        [
            httpx.Response(403, json={"message": "Too Many Requests, please try again later.", "status": 403}),
            httpx.Response(200, json={"api_keys": []}),
        ]
    )
    transport = httpx.MockTransport(lambda request: next(answers))
    with make_client(None, clock, transport=transport) as kinsta:
        assert kinsta.list_api_keys().items == []
    assert kinsta.stats.throttled == 1
    assert clock.sleeps and clock.sleeps[0] > 0  # backed off rather than hammering


# --- the rate limiter -------------------------------------------------------------------------------


def test_the_limiter_never_allows_more_than_n_in_any_61_seconds(clock: FakeClock) -> None:
    limiter = RateLimiter(10, 5, clock=clock.now, sleep=clock.sleep)
    stamps = []
    for _ in range(45):
        limiter.acquire("/sites")
        stamps.append(clock.now())
    assert all(stamps[i + 10] - stamps[i] >= 61 for i in range(len(stamps) - 10))
    assert stamps[9] == stamps[0]  # the first ten go at once
    assert stamps[-1] - stamps[0] == pytest.approx(4 * 61)


def test_the_limiter_keeps_a_separate_budget_for_logs(clock: FakeClock) -> None:
    limiter = RateLimiter(100, 3, clock=clock.now, sleep=clock.sleep)
    start = clock.now()
    for _ in range(3):
        limiter.acquire("/sites/environments/e/logs")
    limiter.acquire("/sites")  # the general budget still has room
    assert clock.now() == start
    limiter.acquire("/company/c/activity-logs")
    assert clock.now() - start == pytest.approx(61)


def test_log_requests_also_spend_the_general_budget(clock: FakeClock) -> None:
    limiter = RateLimiter(3, 30, clock=clock.now, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire("/sites/environments/e/logs")
    start = clock.now()
    limiter.acquire("/sites")
    assert clock.now() - start == pytest.approx(61)


@pytest.mark.parametrize(
    ("headers", "expected_wait"),
    [
        ({"RateLimit-Remaining": "0", "RateLimit-Reset": "12"}, 12.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "7"}, 7.0),
        ({"X-RATELIMIT-REMAINING": "0", "X-RATELIMIT-RESET": str(1_750_000_000 + 10_000 + 20)}, 20.0),  # epoch
        ({"RateLimit-Remaining": "3", "RateLimit-Reset": "40"}, 0.0),
        ({"RateLimit-Limit": "120"}, 0.0),
    ],
)
def test_the_limiter_follows_remaining_and_reset_headers(
    clock: FakeClock, headers: dict[str, str], expected_wait: float
) -> None:
    limiter = RateLimiter(100, 30, clock=clock.now, sleep=clock.sleep, wall_clock=clock.wall)
    limiter.observe(headers)
    assert limiter.acquire("/sites") == pytest.approx(expected_wait)


@pytest.mark.parametrize("mode", ["ietf", "x"])
def test_the_client_follows_the_fakes_headers_and_is_never_throttled(
    agency: FakeAgency, clock: FakeClock, mode: str
) -> None:
    fake = FakeKinsta(agency, clock=clock.now, requests_per_minute=5, rate_limit_headers=mode)
    with make_client(fake, clock, requests_per_minute=100) as kinsta:
        for _ in range(12):
            kinsta.validate()
    assert fake.stats.throttled == 0
    assert kinsta.stats.throttled == 0
    assert fake.stats.max_rate_per_minute <= 5
    assert kinsta.stats.waited_seconds >= 2 * 60


def test_without_headers_the_client_recovers_through_retry_after(agency: FakeAgency, clock: FakeClock) -> None:
    fake = FakeKinsta(agency, clock=clock.now, requests_per_minute=5, rate_limit_headers="none")
    with make_client(fake, clock, requests_per_minute=100, max_retries=4) as kinsta:
        for _ in range(8):
            kinsta.validate()
    assert kinsta.stats.throttled >= 1
    assert fake.stats.requests == 8 + kinsta.stats.throttled


def test_clients_of_one_company_share_one_limiter(
    monkeypatch: pytest.MonkeyPatch, fake: FakeKinsta, clock: FakeClock
) -> None:
    monkeypatch.setattr(limits_module, "_limiters", {})
    company = fake.agency.company_id
    shared = RateLimiter(3, 30, clock=clock.now, sleep=clock.sleep)
    limits_module._limiters[company] = shared
    transport = httpx.WSGITransport(app=fake)
    common = {"base_url": "https://api.kinsta.test", "api_key": API_KEY, "transport": transport}
    first = KinstaClient(company_id=company, requests_per_minute=3, **common)
    second = KinstaClient(company_id=company, requests_per_minute=3, **common)
    other = KinstaClient(company_id="another-company", requests_per_minute=3, **common)
    assert first.limiter is second.limiter is shared
    assert other.limiter is not shared
    assert limiter_for(company, 3, 30) is shared
    for kinsta in (first, second, first, second, first, second):
        kinsta.validate()
    assert fake.stats.max_rate_per_minute <= 3
    assert first.stats.waited_seconds + second.stats.waited_seconds == pytest.approx(61)
    for kinsta in (first, second, other):
        kinsta.close()


def test_a_429_pauses_every_client_of_the_company(clock: FakeClock) -> None:
    shared = RateLimiter(100, 30, clock=clock.now, sleep=clock.sleep)
    throttled = httpx.MockTransport(
        lambda request: httpx.Response(429, headers={"Retry-After": "9"}, json={"message": "Too many requests"})
    )
    fine = httpx.MockTransport(lambda request: httpx.Response(200, json={"api_keys": []}))
    first = make_client(None, clock, transport=throttled, max_retries=0)
    second = make_client(None, clock, transport=fine)
    first._limiter = second._limiter = shared  # as limiter_for() would hand out for one company
    with pytest.raises(KinstaRateLimited):
        first.list_api_keys()
    assert first.stats.throttled == 3
    before = clock.now()
    second.list_api_keys()
    # The last 429's Retry-After holds back the other client of the company too.
    assert clock.now() - before == pytest.approx(9)
    assert second.stats.waited_seconds == pytest.approx(9)
    first.close()
    second.close()


def test_over_real_http_40_requests_at_20_per_minute_never_exceed_the_rate(
    fake: FakeKinsta, clock: FakeClock, real_server: RunningServer, agency: FakeAgency
) -> None:
    # The fake measures arrivals on the same fake clock the client's limiter sleeps on.
    started = time.monotonic()
    with make_client(fake, clock, base_url=real_server.url, requests_per_minute=20) as kinsta:
        for i in range(40):
            if i % 2:
                kinsta.list_regions()
            else:
                kinsta.get_site(agency.sites[i % 5].id)
    assert fake.stats.requests == 40
    assert fake.stats.throttled == 0
    assert 0 < fake.stats.max_rate_per_minute <= 20
    # 20 go at once, the next 20 one 61 s window later.
    assert kinsta.stats.waited_seconds == pytest.approx(61)
    assert time.monotonic() - started < 5


def test_in_real_time_the_limiter_keeps_the_fakes_measured_rate(agency: FakeAgency) -> None:
    # Real clocks, a minute compressed 60x: the fake measures arrivals on a clock that runs 60x faster,
    # so its "per minute" is our "per second". The client allows 5 per 1.2 s: a wider margin than the
    # production 61/60, so that scheduling jitter on a busy test machine cannot make this flaky.
    fake = FakeKinsta(agency, clock=lambda: time.monotonic() * 60)
    limiter = RateLimiter(5, 5, window=1.2)
    with (
        serve(fake) as server,
        KinstaClient(
            base_url=server.url, api_key=API_KEY, company_id=agency.company_id, limiter=limiter, timeout=2.0
        ) as kinsta,
    ):
        started = time.monotonic()
        for _ in range(12):
            kinsta.list_regions()
        elapsed = time.monotonic() - started
    assert fake.stats.requests == 12
    assert fake.stats.max_rate_per_minute <= 5
    assert elapsed >= 2 * 1.2 - 0.05
    assert kinsta.stats.waited_seconds == pytest.approx(elapsed, abs=0.5)


# --- the heartbeat (a sync renews its lease through it) ------------------------------------------------


def test_the_heartbeat_beats_every_second_of_a_long_rate_limit_wait(fake: FakeKinsta, clock: FakeClock) -> None:
    beats: list[float] = []
    with make_client(fake, clock, requests_per_minute=1, heartbeat=lambda: beats.append(clock.now())) as kinsta:
        kinsta.validate()
        start = clock.now()
        kinsta.validate()  # waits a whole 61-second window for the budget
    assert clock.now() - start == pytest.approx(61)
    waiting = [beat for beat in beats if beat > start]
    gaps = [later - earlier for earlier, later in zip([start, *waiting], waiting, strict=False)]
    assert len(waiting) >= 61
    assert max(gaps) <= 1.0 + 1e-9


def test_the_heartbeat_beats_through_a_backoff_and_between_the_chunks_of_a_body(clock: FakeClock) -> None:
    events: list[tuple[str, float]] = []
    answers = iter([httpx.Response(503, json={"message": "busy"})])

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for part in (b'{"company": ', b'{"available_regions": ', b"[]", b"}", b"}"):
                events.append(("chunk", clock.now()))
                yield part

    def answer(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or httpx.Response(200, stream=Body())

    def heartbeat() -> None:
        events.append(("beat", clock.now()))

    transport = httpx.MockTransport(answer)
    with make_client(None, clock, transport=transport, backoff_base=8.0, heartbeat=heartbeat) as kinsta:
        kinsta.list_regions()
    assert kinsta.stats.retries == 1
    # Through the backoff (up to 8 s) at least once a second ...
    beats = [at for kind, at in events if kind == "beat"]
    assert max(later - earlier for earlier, later in itertools.pairwise(beats)) <= 1.0 + 1e-9
    assert beats[-1] - beats[0] == pytest.approx(kinsta.stats.waited_seconds)
    # ... and after every chunk of the body, before the next one is read.
    kinds = "".join("c" if kind == "chunk" else "b" for kind, _ in events)
    assert kinds.endswith("bcbcbcbcbcb")


def test_what_the_heartbeat_raises_ends_the_call(fake: FakeKinsta, clock: FakeClock) -> None:
    class LeaseLost(Exception):
        pass

    def heartbeat() -> None:
        if kinsta.stats.requests:
            raise LeaseLost

    with make_client(fake, clock, requests_per_minute=1, heartbeat=heartbeat) as kinsta:
        kinsta.heartbeat = None
        kinsta.validate()
        kinsta.heartbeat = heartbeat
        with pytest.raises(LeaseLost):
            kinsta.validate()  # the wait for the budget beats, and the beat raises
    assert fake.stats.requests == 1


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


# --- room for writes (future work) ----------------------------------------------------------------


def test_request_sends_a_write_once_even_when_it_fails_transiently(clock: FakeClock) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(500, json={"message": "Error occurred while processing your request"})
        return httpx.Response(202, json={"operation_id": "cache:clear-1", "message": "In progress", "status": 202})

    with make_client(None, clock, transport=httpx.MockTransport(answer)) as kinsta:
        with pytest.raises(KinstaError) as caught:
            kinsta._request("POST", "/sites/tools/clear-cache", json={"environment_id": "e"})
        # A second POST could start a second operation (REFERENCE §7), so it is not repeated.
        assert len(seen) == 1
        assert not caught.value.permanent
        assert kinsta._request("PUT", "/sites/{site_id}/ok", path_params={"site_id": "s"}) == (
            202,
            {"operation_id": "cache:clear-1", "message": "In progress", "status": 202},
        )
    assert seen[0].read() == b'{"environment_id":"e"}'


def test_request_retries_a_write_that_never_connected(clock: FakeClock) -> None:
    attempts = []

    def answer(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(202, json={"operation_id": "x", "message": "ok", "status": 202})

    with make_client(None, clock, transport=httpx.MockTransport(answer)) as kinsta:
        status, _ = kinsta._request("POST", "/sites/tools/clear-cache", json={"environment_id": "e"})
    assert status == 202
    assert len(attempts) == 2
