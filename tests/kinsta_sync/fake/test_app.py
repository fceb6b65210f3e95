"""kinsta_sync.fake.app: errors (401, 404, 400), the v2 prefix, removed sites, rate limiting, the control API."""

from __future__ import annotations

import httpx
import pytest

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from tests.kinsta_sync.fake.helpers import KEY, SPEC, FakeClock, analytics, assert_error, make_client

MSG_401 = "No or invalid API key provided to the request"
MSG_404 = "Could not find data or the user does not have permissions to retrieve it"


# --- errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_it_rejects_a_missing_or_wrong_key_with_401(app: FakeKinsta, key: str | None) -> None:
    with make_client(app, key) as client:
        assert_error(client.get("/validate"), 401, MSG_401)
        assert_error(client.get("/sites", params={"company": app.agency.company_id}), 401, MSG_401)


def test_it_rejects_a_revoked_key_until_restored(client: httpx.Client, app: FakeKinsta) -> None:
    app.revoke_key()
    assert_error(client.get("/validate"), 401, MSG_401)
    app.restore_key()
    assert client.get("/validate").status_code == 200


def test_it_answers_404_for_unknown_and_foreign_ids(client: httpx.Client, app: FakeKinsta) -> None:
    other_company = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"
    env = app.agency.live_environments()[0]
    for response in (
        client.get("/sites/00000000-0000-4000-8000-000000000000"),
        client.get("/sites/00000000-0000-4000-8000-000000000000/environments"),
        client.get("/sites/00000000-0000-4000-8000-000000000000/usage/visits/this-month"),
        client.get("/sites", params={"company": other_company}),
        client.get(f"/company/{other_company}/users"),
        client.get(f"/company/{other_company}/activity-logs"),
        analytics(client, app, "00000000-0000-4000-8000-000000000000", "visits"),
        analytics(client, app, env.id, "visits", company_id=other_company),
        client.get("/no/such/endpoint"),
        client.post("/sites", json={}),
    ):
        assert_error(response, 404, MSG_404)


def test_it_answers_400_for_missing_company_parameters(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[0]
    assert_error(client.get("/sites"), 400, "Bad request format")
    assert_error(client.get(f"/sites/environments/{env.id}/analytics/visits"), 400, "Bad request format")


def test_it_accepts_the_v2_prefix(client: httpx.Client) -> None:
    assert client.get("/v2/validate").status_code == 200


def test_it_makes_a_removed_site_vanish_from_every_endpoint(client: httpx.Client, app: FakeKinsta) -> None:
    site = app.agency.sites[0]
    app.agency.remove_site(site.id)
    ids = [s["id"] for s in client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]]
    assert site.id not in ids
    assert len(ids) == SPEC.sites - 1
    assert client.get(f"/sites/{site.id}").status_code == 404
    assert client.get(f"/sites/{site.id}/usage/visits/this-month").status_code == 404
    assert analytics(client, app, site.live.id, "visits").status_code == 404
    assert app.agency.environment(site.live.id) is None


# --- rate limiting ---------------------------------------------------------------------------------------


def test_it_throttles_over_the_limit_with_429_and_retry_after(clock: FakeClock) -> None:
    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY, requests_per_minute=3, clock=clock)
    with make_client(app) as client:
        remaining = []
        for _ in range(3):
            response = client.get("/validate")
            assert response.status_code == 200
            remaining.append(response.headers["RateLimit-Remaining"])
            clock.now += 10
        assert remaining == ["2", "1", "0"]
        throttled = client.get("/validate")
        assert throttled.status_code == 429
        assert throttled.json() == {"status": 429, "message": "Too many requests, please try again later."}
        assert throttled.headers["Retry-After"] == "30"  # the first request leaves the window at +60 s
        assert throttled.headers["RateLimit-Limit"] == "3"
        clock.now += 30
        assert client.get("/validate").status_code == 200
    assert app.stats.throttled == 1


def test_it_sends_rate_limit_headers_in_each_mode(clock: FakeClock) -> None:
    expected = {"ietf": "ratelimit-", "x": "x-ratelimit-", "none": None}
    for mode, prefix in expected.items():
        app = FakeKinsta(
            FakeAgency.generate(SPEC), api_key=KEY, requests_per_minute=5, rate_limit_headers=mode, clock=clock
        )
        with make_client(app) as client, make_client(app, "bad") as stranger:
            for response in (client.get("/validate"), client.get("/sites/unknown"), stranger.get("/validate")):
                names = {name.lower() for name in response.headers}
                limit_names = {name for name in names if "ratelimit" in name}
                if prefix is None:
                    assert limit_names == set()
                    continue
                assert limit_names == {f"{prefix}limit", f"{prefix}remaining", f"{prefix}reset"}
                assert response.headers[f"{prefix}limit"] == "5"
                assert 1 <= int(response.headers[f"{prefix}reset"]) <= 60


def test_it_limits_the_logs_endpoint_separately(clock: FakeClock) -> None:
    app = FakeKinsta(FakeAgency.generate(SPEC), api_key=KEY, requests_per_minute=100, logs_per_minute=2, clock=clock)
    env = app.agency.live_environments()[0]
    with make_client(app) as client:
        statuses = [
            client.get(f"/sites/environments/{env.id}/logs", params={"file_name": "error", "lines": 1}).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        assert client.get("/validate").status_code == 200
        assert client.get("/validate").headers["RateLimit-Limit"] == "100"


# --- control API -------------------------------------------------------------------------------------------


def test_it_is_scriptable_through_the_control_api(app: FakeKinsta) -> None:
    control = make_client(app, None)
    assert control.post("/__fake__/faults", json={"kind": "502", "path": "/validate", "times": 2}).status_code == 201
    assert control.post("/__fake__/faults", json={"kind": "boom"}).status_code == 400
    with make_client(app) as client:
        assert client.get("/validate").status_code == 502
        assert control.delete("/__fake__/faults").status_code == 200
        assert client.get("/validate").status_code == 200

        site = app.agency.sites[0]
        assert control.post(f"/__fake__/remove-site/{site.id}").status_code == 200
        assert client.get(f"/sites/{site.id}").status_code == 404
        assert control.post(f"/__fake__/remove-site/{site.id}").status_code == 404

        env = app.agency.sites[1].live
        item = next(i for i in app.agency.wordpress(env.id).plugins if i.update_version)
        answer = control.post(f"/__fake__/apply-update/{env.id}/plugin/{item.name}")
        assert answer.status_code == 200 and answer.json()["to"] == item.version == item.latest
        assert control.post(f"/__fake__/apply-update/{env.id}/plugin/{item.name}").status_code == 400
        assert control.post(f"/__fake__/apply-update/{env.id}/plugin/no-such-plugin").status_code == 400
        assert control.post(f"/__fake__/apply-update/{env.id}/widget/{item.name}").status_code == 404

        control.post("/__fake__/revoke-key")
        assert client.get("/validate").status_code == 401
        control.post("/__fake__/restore-key")
        assert client.get("/validate").status_code == 200

    stats = control.get("/__fake__/stats").json()
    assert stats["requests"] == 5  # control calls are neither counted nor rate limited
    assert stats["by_path"]["/validate"] == 4
    assert "ratelimit-limit" not in control.get("/__fake__/stats").headers
