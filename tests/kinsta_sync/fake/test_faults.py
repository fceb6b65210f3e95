"""kinsta_sync.fake.faults: every fault the fake can inject, and when it fires."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.faults import PADDING_FIELD, UNKNOWN_FIELD
from kinsta_sync.fake.server import serve
from tests.kinsta_sync.fake.helpers import KEY, analytics, dataset, make_client

# --- faults ------------------------------------------------------------------------------------------------


def test_it_injects_a_429_with_the_given_retry_after(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("429", seconds=7)
    response = client.get("/validate")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["message"] == "Too many requests, please try again later."
    assert client.get("/validate").status_code == 200
    assert app.stats.throttled == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_injects_server_errors_with_the_error_envelope(client: httpx.Client, app: FakeKinsta, status: int) -> None:
    app.faults.add(str(status))
    response = client.get("/validate")
    assert response.status_code == status
    assert response.json()["status"] == status
    assert response.json()["message"]


def test_it_matches_faults_by_path_after_and_times(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("500", path="/analytics/", after=1, times=2)
    env = app.agency.live_environments()[0]
    assert client.get("/validate").status_code == 200  # other path: untouched
    statuses = [analytics(client, app, env.id, "visits").status_code for _ in range(4)]
    assert statuses == [202, 500, 500, 202]
    assert app.faults.pending() == []


def test_it_keeps_a_forever_fault_until_cleared(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("503", times=-1)
    assert [client.get("/validate").status_code for _ in range(3)] == [503, 503, 503]
    app.faults.clear()
    assert client.get("/validate").status_code == 200


def test_it_delays_slow_and_timeout_responses(client: httpx.Client, app: FakeKinsta) -> None:
    for kind in ("slow", "timeout"):
        app.faults.add(kind, seconds=0.15)
        started = time.monotonic()
        response = client.get("/validate")
        assert time.monotonic() - started >= 0.15
        assert response.status_code == 200


def test_it_surfaces_a_reset_as_a_transport_error_in_process(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("reset")
    with pytest.raises(httpx.TransportError):
        client.get("/validate")
    assert client.get("/validate").status_code == 200


def test_it_truncates_the_body_for_malformed_json(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("malformed_json", path="/sites")
    response = client.get("/sites", params={"company": app.agency.company_id})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_it_drops_one_required_field(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("missing_field", path="/sites")
    sites = client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]
    assert "id" not in sites[0]
    assert all("id" in site for site in sites[1:])
    assert sites[0]["name"]

    app.faults.add("missing_field", path="/analytics/")
    points = dataset(analytics(client, app, app.agency.live_environments()[0].id, "visits"))
    assert "value" not in points[0]
    assert all("value" in p for p in points[1:])


def test_it_adds_unknown_fields_at_every_level(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("unknown_fields")
    body = client.get(f"/sites/{app.agency.sites[0].id}").json()
    assert UNKNOWN_FIELD in body
    assert UNKNOWN_FIELD in body["site"]
    assert UNKNOWN_FIELD in body["site"]["environments"][0]
    assert UNKNOWN_FIELD in body["site"]["environments"][0]["primaryDomain"]


def test_it_puts_a_non_numeric_value_in_analytics(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("non_numeric")
    assert client.get("/validate").status_code == 200  # nothing to damage: the fault waits
    points = dataset(analytics(client, app, app.agency.live_environments()[0].id, "visits"))
    assert [p["value"] for p in points].count("n/a") == 1
    assert app.faults.pending() == []


@pytest.mark.parametrize("over", ["in-process", "real-http"])
def test_it_serves_a_huge_body_as_valid_json_generated_while_it_is_sent(app: FakeKinsta, over: str) -> None:
    size = 3 * 1024 * 1024 + 17
    fault = app.faults.add("huge_body", path="/company", size=size)
    if over == "real-http":
        auth = {"Authorization": f"Bearer {KEY}"}
        with serve(app) as server, httpx.Client(base_url=server.url, headers=auth) as http:
            response = http.get(f"/company/{app.agency.company_id}/users")
    else:
        response = make_client(app).get(f"/company/{app.agency.company_id}/users")
    assert response.status_code == 200
    assert "content-length" not in response.headers  # only reading tells how long it is
    assert len(response.content) == size == fault.streamed
    body = response.json()
    assert set(body[PADDING_FIELD]) == {"x"}
    assert len(body["company"]["users"]) == len(app.agency.users)  # the real answer is all there


def test_it_leaves_error_responses_alone_for_body_faults(client: httpx.Client, app: FakeKinsta) -> None:
    app.faults.add("malformed_json")
    assert client.get("/sites/unknown").json()["status"] == 404
    assert len(app.faults.pending()) == 1


def test_it_refuses_unknown_fault_kinds(app: FakeKinsta) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        app.faults.add("explode")
