"""The write calls and the operation poll (kinsta_sync.api.operations) over real HTTP against the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.errors import KinstaAuthError, KinstaError, KinstaNotFound
from kinsta_sync.api.operations import (
    ACTIONS,
    OPERATION_DONE,
    OPERATION_FAILED,
    OPERATION_RUNNING,
    OPERATION_UNKNOWN,
    OperationState,
    OperationTimedOut,
    get_operation,
    start_action,
    wait_for_operation,
)
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from kinsta_sync.fake.server import RunningServer
from tests.kinsta_sync.api.helpers import FakeClock, make_client

UNKNOWN_ENV = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def http_client(fake: FakeKinsta, clock: FakeClock, real_server: RunningServer) -> Iterator[KinstaClient]:
    with make_client(fake, clock, base_url=real_server.url, max_retries=2) as kinsta:
        yield kinsta


def _live(agency: FakeAgency) -> str:
    return agency.live_environments()[0].id


def _wait(client: KinstaClient, clock: FakeClock, operation_id: str, **kwargs) -> tuple[OperationState, list[str]]:
    seen: list[str] = []
    kwargs.setdefault("interval", 1.0)
    final = wait_for_operation(
        client, operation_id, clock=clock.now, sleep=clock.sleep, on_poll=lambda s: seen.append(s.state), **kwargs
    )
    return final, seen


def test_a_cache_clear_goes_404_then_running_then_done(http_client, clock, fake, agency) -> None:
    started = start_action(http_client, "clear-cache", environment_id=_live(agency))
    assert started.operation_id.startswith("cache:clear-")
    assert started.message == "Clearing site cache in progress"

    final, seen = _wait(http_client, clock, started.operation_id)

    assert final.state == OPERATION_DONE and final.status == 200
    assert final.message == "Successfully finished request"
    # 3 s of 404 and 2 s of 202 at one poll a second on the fake's clock.
    assert seen == [OPERATION_UNKNOWN] * 3 + [OPERATION_RUNNING] * 2 + [OPERATION_DONE]
    assert fake.operations[started.operation_id].environment_id == _live(agency)


def test_an_armed_failure_ends_failed_and_the_500_is_not_retried(http_client, clock, fake, agency) -> None:
    fake.faults.add("operation_fails", path="/sites/tools/restart-php")
    started = start_action(http_client, "restart-php", environment_id=_live(agency))
    assert started.operation_id.startswith("php:restart-")

    final, seen = _wait(http_client, clock, started.operation_id)

    assert final.state == OPERATION_FAILED and final.status == 500
    assert final.message == "Error occurred while processing your request"
    # Every poll reached the fake once: the failed answer was read, not retried as a transport error.
    assert fake.operations[started.operation_id].polls == len(seen)
    assert http_client.stats.retries == 0


def test_a_404_beyond_the_grace_period_times_out(http_client, clock, fake, agency) -> None:
    fake.operation_unknown_seconds = 60.0
    started = start_action(http_client, "clear-edge-cache", environment_id=_live(agency))

    with pytest.raises(OperationTimedOut, match="still unknown") as caught:
        _wait(http_client, clock, started.operation_id, not_found_grace=10.0)

    assert caught.value.last is not None and caught.value.last.state == OPERATION_UNKNOWN


def test_a_404_within_the_grace_period_is_waited_out(http_client, clock, fake, agency) -> None:
    fake.operation_unknown_seconds = 8.0
    started = start_action(http_client, "manual-backup", environment_id=_live(agency), backup_tag="nightly")
    assert started.operation_id.startswith("backups:add-manual-")

    final, seen = _wait(http_client, clock, started.operation_id, not_found_grace=10.0)

    assert final.state == OPERATION_DONE
    assert seen.count(OPERATION_UNKNOWN) == 8


def test_a_running_operation_past_the_deadline_times_out(http_client, clock, fake, agency) -> None:
    fake.operation_running_seconds = 1_000.0
    started = start_action(http_client, "clear-cache", environment_id=_live(agency))

    with pytest.raises(OperationTimedOut, match="still running"):
        _wait(http_client, clock, started.operation_id, timeout=30.0)


def test_the_cdn_clear_sends_the_environments_cdn_cache_id(http_client, agency) -> None:
    env = next(env for env in agency.live_environments() if env.cdn_cache_id)

    started = start_action(http_client, "clear-cdn-cache", environment_id=env.id, cdn_cache_id=env.cdn_cache_id)
    assert started.operation_id.startswith("cdn-cache:clear-")

    with pytest.raises(KinstaError) as caught:
        start_action(http_client, "clear-cdn-cache", environment_id=env.id, cdn_cache_id="not-this-one")
    assert caught.value.status == 400
    with pytest.raises(ValueError, match="CDN cache id"):
        start_action(http_client, "clear-cdn-cache", environment_id=env.id)


def test_refusals_unknown_action_unknown_environment_bad_key(http_client, fake, clock, real_server) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        start_action(http_client, "delete-site", environment_id=UNKNOWN_ENV)
    with pytest.raises(KinstaNotFound):
        start_action(http_client, "clear-cache", environment_id=UNKNOWN_ENV)
    with make_client(fake, clock, base_url=real_server.url, api_key="wrong") as wrong, pytest.raises(KinstaAuthError):
        start_action(wrong, "clear-cache", environment_id=UNKNOWN_ENV)


def test_an_operation_kinsta_never_heard_of_is_unknown(http_client) -> None:
    state = get_operation(http_client, "cache:clear-00000000-0000-4000-8000-000000000000")
    assert state.state == OPERATION_UNKNOWN and not state.finished


@pytest.mark.parametrize("headers", ["ietf", "none"])
def test_writes_spend_the_companys_rate_budget(fake, clock, real_server, agency, headers) -> None:
    fake.requests_per_minute = 3
    fake.rate_limit_headers = headers
    with make_client(fake, clock, base_url=real_server.url, requests_per_minute=1000, max_retries=3) as kinsta:
        for _ in range(3):
            start_action(kinsta, "clear-cache", environment_id=_live(agency))
        assert kinsta.stats.waited_seconds == 0
        # The three writes used the fake's minute: with headers the client saw "Remaining: 0" and waited;
        # without, the fourth write got a 429, which is never executed, and was sent again after the wait.
        start_action(kinsta, "restart-php", environment_id=_live(agency))
        assert kinsta.stats.waited_seconds >= 1
        assert kinsta.stats.throttled == (1 if headers == "none" else 0)
    assert len(fake.operations) == 4


def test_every_action_has_a_route_on_the_fake() -> None:
    from kinsta_sync.fake.routes import ROUTES

    templates = {(route.method, route.template) for route in ROUTES}
    assert {(call.method, call.path) for call in ACTIONS.values()} <= templates


def test_a_write_that_never_left_says_so_and_one_that_may_have_does_not(fake, clock, real_server, agency) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with make_client(fake, clock, base_url=closed, max_retries=1) as down, pytest.raises(KinstaError) as never:
        start_action(down, "clear-cache", environment_id=_live(agency))
    assert never.value.reached is False

    fake.faults.add("503", path="/sites/tools/clear-cache")
    with (
        make_client(fake, clock, base_url=real_server.url, max_retries=3) as kinsta,
        pytest.raises(KinstaError) as maybe,
    ):
        start_action(kinsta, "clear-cache", environment_id=_live(agency))
    # A 5xx answer to a write is not repeated: Kinsta may have started the operation.
    assert maybe.value.status == 503 and maybe.value.reached is None and kinsta.stats.requests == 1
