"""kinsta_sync.fake.server: the fake over real HTTP (keep-alive, resets, stopping, concurrent requests)."""

from __future__ import annotations

import re
from collections import Counter

import httpx
import pytest

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from kinsta_sync.fake.server import serve
from tests.kinsta_sync.fake.helpers import KEY, SPEC

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
