"""Fixtures of the fake's tests: an agency, a fake clock, the fake app and an in-process httpx client.

In-process through httpx.WSGITransport: no database, no Django settings.
"""

from __future__ import annotations

import httpx
import pytest

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from tests.kinsta_sync.fake.helpers import KEY, SPEC, FakeClock, make_client


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


@pytest.fixture
def client(app: FakeKinsta) -> httpx.Client:
    with make_client(app) as http:
        yield http
