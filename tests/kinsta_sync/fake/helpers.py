"""What several of the fake's test modules share: the spec, the key, the clock, a client builder and readers."""

from __future__ import annotations

from datetime import date

import httpx

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec

KEY = "unit-test-key"
TODAY = date(2025, 11, 20)  # a Thursday
SPEC = AgencySpec(seed=5, sites=12, days=90, users=5, activity_events=120, today=TODAY)


class FakeClock:
    """A monotonic clock the tests move by hand, so rate-limit windows need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(app: FakeKinsta, key: str | None = KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url="http://fake.test", transport=httpx.WSGITransport(app=app), headers=headers)


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
