"""Fixtures of the api tests: a fake Kinsta in-process on a fake clock, and a KinstaClient against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from kinsta_sync.fake.server import RunningServer, serve
from tests.kinsta_sync.api.helpers import API_KEY, TODAY, FakeClock, make_client


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


@pytest.fixture
def client(fake: FakeKinsta, clock: FakeClock) -> Iterator[KinstaClient]:
    with make_client(fake, clock) as kinsta:
        yield kinsta
