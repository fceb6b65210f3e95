"""kinsta_sync.api.company: validate, users, API keys, regions and activity logs, against the OpenAPI document.

No HTTP and no database: these tests call the parse functions the client uses on decoded JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kinsta_sync.api.company import parse_activity_logs, parse_api_keys, parse_regions, parse_users, parse_validation
from tests.kinsta_sync.api.helpers import openapi_examples

# --- every endpoint the client parses, against the document -----------------------------------------


def test_it_parses_the_validate_example() -> None:
    for doc in openapi_examples("/validate", "200"):
        key = parse_validation(doc)
        assert key.name == doc["name"]
        assert key.company == doc["company"]
        assert key.is_active is (doc["status"] == "active")
        assert key.expires_at == datetime.fromtimestamp(int(doc["expires_at"]) / 1000, tz=UTC)


def test_it_parses_the_users_example_and_unwraps_each_user() -> None:
    for doc in openapi_examples("/company/{id}/users", "200"):
        parsed = parse_users(doc)
        assert parsed.errors == []
        expected = [item["user"] for item in doc["company"]["users"]]
        assert [(u.id, u.email, u.full_name, u.image) for u in parsed.items] == [
            (u["id"], u["email"], u["full_name"], u["image"]) for u in expected
        ]


def test_it_parses_the_api_keys_example() -> None:
    for doc in openapi_examples("/company/{id}/api-keys", "200"):
        parsed = parse_api_keys(doc)
        assert parsed.errors == []
        key = parsed.items[0]
        assert (key.id, key.name, key.status) == (
            doc["api_keys"][0]["id"],
            doc["api_keys"][0]["name"],
            doc["api_keys"][0]["status"],
        )
        assert key.expires_at == datetime(2028, 8, 21, 8, 15, 21, 872000, tzinfo=UTC)


def test_it_parses_the_regions_example() -> None:
    for doc in openapi_examples("/company/{id}/available-regions", "200"):
        parsed = parse_regions(doc)
        assert parsed.errors == []
        assert [(r.region, r.name) for r in parsed.items] == [
            (r["region"], r["name"]) for r in doc["company"]["available_regions"]
        ]


def test_it_parses_the_activity_logs_example() -> None:
    for doc in openapi_examples("/company/{id}/activity-logs", "200"):
        page = parse_activity_logs(doc)
        raw = doc["company"]["activity_logs"]["items"][0]
        assert page.errors == []
        assert page.total == doc["company"]["activity_logs"]["total"]
        entry = page.items[0]
        assert entry.id == raw["id"]
        assert entry.site_id == raw["site_id"]
        assert entry.created_at == datetime.fromtimestamp(raw["created_at"] / 1000, tz=UTC)
        assert entry.created_at.tzinfo is UTC
        assert entry.type == raw["type"]
        assert (entry.is_done, entry.has_failed, entry.has_warning) == (
            raw["is_done"],
            raw["has_failed"],
            raw["has_warning"],
        )
        assert entry.initiated_by_id == raw["initiated_by"]["id"]
        assert entry.initiated_by_name == raw["initiated_by"]["full_name"]
        assert entry.initiated_by_role == raw["initiated_by"]["role"]
        assert entry.api_key_name == raw["api_key_info"]["name"]
        assert entry.descriptions == raw["descriptions"]


# --- quirks from REFERENCE.md ---------------------------------------------------------------------------


def test_it_names_the_path_of_a_bad_user_inside_its_wrapper() -> None:
    doc = {
        "company": {
            "users": [
                {"user": {"id": "u1", "email": "a@example.com", "full_name": "A", "image": None}},
                {"user": {"id": "u2", "full_name": "B"}},
            ]
        }
    }
    parsed = parse_users(doc)
    assert [u.id for u in parsed.items] == ["u1"]
    assert str(parsed.errors[0]) == "GET /company/{id}/users: company.users[1].user.email: Field required"


def test_it_reads_activity_entries_without_optional_objects() -> None:
    item = {
        "id": 7,
        "site_id": None,
        "created_at": 1665382600770,
        "is_done": True,
        "has_failed": False,
        "has_warning": False,
        "type": "addUser",
        "public_error": None,
        "ip_address": None,
        "initiated_by": None,
        "descriptions": None,
    }
    page = parse_activity_logs({"company": {"activity_logs": {"items": [item], "total": 1}}})
    entry = page.items[0]
    assert entry.initiated_by_id is None
    assert entry.initiated_by_name is None
    assert entry.api_key_name is None
    assert entry.descriptions == []
    assert entry.created_at == datetime(2022, 10, 10, 6, 16, 40, 770000, tzinfo=UTC)


def test_it_reports_an_activity_entry_with_a_bad_timestamp() -> None:
    good = {"id": 1, "created_at": 1665382600770, "type": "x"}
    bad = {"id": 2, "created_at": "yesterday", "type": "x"}
    page = parse_activity_logs({"company": {"activity_logs": {"items": [good, bad], "total": 2}}})
    assert [e.id for e in page.items] == [1]
    assert page.size == 2
    assert str(page.errors[0]).startswith(
        "GET /company/{id}/activity-logs: company.activity_logs.items[1].created_at: "
    )


def test_it_reads_validate_expiry_as_ms_in_a_string_or_null() -> None:
    key = parse_validation({"name": "k", "expires_at": "1704081600000", "company": "c", "status": "ACTIVE"})
    assert key.expires_at == datetime(2024, 1, 1, 4, 0, tzinfo=UTC)
    assert key.is_active
    never = parse_validation({"name": "k", "expires_at": None, "company": "c", "status": "revoked"})
    assert never.expires_at is None
    assert not never.is_active


def test_it_reads_api_key_expiry_as_aware_utc() -> None:
    doc = {
        "api_keys": [
            {"id": "a", "name": "A", "status": "active", "expires_at": "2028-08-21T10:15:21+02:00"},
            {"id": "b", "name": "B", "status": "expired", "expires_at": None},
            {"id": "c", "name": "C", "status": "active", "expires_at": "soon"},
        ]
    }
    parsed = parse_api_keys(doc)
    assert parsed.items[0].expires_at == datetime(2028, 8, 21, 8, 15, 21, tzinfo=UTC)
    assert parsed.items[0].expires_at.utcoffset().total_seconds() == 0
    assert parsed.items[1].expires_at is None
    assert str(parsed.errors[0]).startswith("GET /company/{id}/api-keys: api_keys[2].expires_at: ")
