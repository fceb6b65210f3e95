"""kinsta_sync.api.transport through the client: the size cap, errors (permanent, transient, 429), heartbeat, writes.

In-process against the fake (on the fake clock of conftest.py), and over real HTTP (``serve()``) for
timeouts and dropped connections. No database.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.errors import KinstaAuthError, KinstaError, KinstaNotFound, KinstaRateLimited, KinstaResponseError
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from kinsta_sync.fake.server import RunningServer
from tests.kinsta_sync.api.helpers import TODAY, FakeClock, make_client

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
