"""kinsta_sync.fake.routes.company: validate, users, regions and API keys."""

from __future__ import annotations

import httpx

from kinsta_sync.fake.app import FakeKinsta
from tests.kinsta_sync.fake.helpers import SPEC

# --- endpoint shapes ---------------------------------------------------------------------------------


def test_it_validates_the_key_and_names_the_company(client: httpx.Client, app: FakeKinsta) -> None:
    body = client.get("/validate").json()
    assert body["company"] == app.agency.company_id
    assert body["status"] == "active"
    assert body["expires_at"].isdigit()  # epoch ms as a string


def test_it_wraps_each_company_user(client: httpx.Client, app: FakeKinsta) -> None:
    users = client.get(f"/company/{app.agency.company_id}/users").json()["company"]["users"]
    assert len(users) == SPEC.users
    assert set(users[0]["user"]) == {"id", "email", "image", "full_name"}


def test_it_lists_regions_and_api_keys(client: httpx.Client, app: FakeKinsta) -> None:
    company = app.agency.company_id
    regions = client.get(f"/company/{company}/available-regions").json()["company"]["available_regions"]
    assert {"name": "Frankfurt DE (europe-west3)", "region": "europe-west3"} in regions
    keys = client.get(f"/company/{company}/api-keys").json()["api_keys"]
    assert {key["status"] for key in keys} == {"active", "revoked", "expired"}
