"""kinsta_sync.fake.routes.logs: the activity log's pages, filters and parameters."""

from __future__ import annotations

import httpx

from kinsta_sync.fake.app import FakeKinsta
from tests.kinsta_sync.fake.helpers import SPEC, assert_error


def test_it_pages_activity_logs_newest_first_without_overlap(client: httpx.Client, app: FakeKinsta) -> None:
    url = f"/company/{app.agency.company_id}/activity-logs"
    first = client.get(url).json()["company"]["activity_logs"]
    assert len(first["items"]) == 10  # default limit
    assert first["total"] == SPEC.activity_events
    seen: list[int] = []
    for offset in range(0, first["total"], 25):
        page = client.get(url, params={"limit": 25, "offset": offset}).json()["company"]["activity_logs"]
        assert page["total"] == first["total"]
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == first["total"]
    assert seen == sorted(seen, reverse=True)
    stamps = [a.created_at for a in app.agency.activity]
    assert stamps == sorted(stamps, reverse=True)
    assert client.get(url, params={"offset": first["total"]}).json()["company"]["activity_logs"]["items"] == []


def test_it_filters_activity_logs_by_category_and_site(client: httpx.Client, app: FakeKinsta) -> None:
    url = f"/company/{app.agency.company_id}/activity-logs"
    site_id = next(a.site_id for a in app.agency.activity if a.site_id)
    by_site = client.get(url, params={"site_id": site_id, "limit": 500}).json()["company"]["activity_logs"]
    assert by_site["total"] == len(by_site["items"]) > 0
    assert {item["site_id"] for item in by_site["items"]} == {site_id}
    actions = client.get(url, params={"category": "siteActions", "limit": 500}).json()["company"]["activity_logs"]
    assert 0 < actions["total"] < SPEC.activity_events
    assert all(item["site_id"] for item in actions["items"])
    assert client.get(url, params={"category": "nope"}).status_code == 400
    assert client.get(url, params={"limit": "-1"}).status_code == 400


def test_it_records_failed_actions_with_a_public_error(client: httpx.Client, app: FakeKinsta) -> None:
    items = client.get(f"/company/{app.agency.company_id}/activity-logs", params={"limit": 500}).json()["company"][
        "activity_logs"
    ]["items"]
    failed = [item for item in items if item["has_failed"]]
    assert failed
    assert all(item["public_error"] for item in failed)
    assert all(isinstance(item["id"], int) and isinstance(item["created_at"], int) for item in items)
    assert {"updatePlugin", "clearCache"} <= {item["type"] for item in items}


def test_it_serves_logs_and_requires_its_parameters(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.live_environments()[0]
    url = f"/sites/environments/{env.id}/logs"
    logs = client.get(url, params={"file_name": "error", "lines": 5}).json()["environment"]["container_info"]["logs"]
    assert len(logs.splitlines()) == 5
    assert "[error]" in logs
    for params in (
        {"lines": 5},
        {"file_name": "error"},
        {"file_name": "debug", "lines": 5},
        {"file_name": "access", "lines": 20001},
    ):
        assert_error(client.get(url, params=params), 400, "Bad request format")
