"""kinsta_sync.api.limits: the rate limiter alone and as the client uses it (one budget per company).

Most tests share one fake clock between the fake's rate limiter and the client's, so minutes of rate
limiting take no real time; two run over real HTTP, one of them in real time. No database.
"""

from __future__ import annotations

import time

import httpx
import pytest

from kinsta_sync.api import limits as limits_module
from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.errors import KinstaRateLimited
from kinsta_sync.api.limits import RateLimiter, limiter_for
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from kinsta_sync.fake.server import RunningServer, serve
from tests.kinsta_sync.api.helpers import API_KEY, FakeClock, make_client

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
