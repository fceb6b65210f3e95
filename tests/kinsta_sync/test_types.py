"""The client's response models against Kinsta's own OpenAPI document and the quirks of REFERENCE.md.

No HTTP and no database: these tests call the parse functions the client uses on decoded JSON.
"""

from __future__ import annotations

import enum
import typing
from datetime import UTC, date, datetime
from typing import Any

import pydantic
import pytest
from pydantic import BaseModel

from kinsta_sync.api import analytics as api_analytics
from kinsta_sync.api import common as api_common
from kinsta_sync.api import company as api_company
from kinsta_sync.api import sites as api_sites
from kinsta_sync.api.analytics import SiteUsage, parse_analytics, parse_usage
from kinsta_sync.api.common import format_loc
from kinsta_sync.api.company import (
    parse_activity_logs,
    parse_api_keys,
    parse_regions,
    parse_users,
    parse_validation,
)
from kinsta_sync.api.errors import KinstaResponseError
from kinsta_sync.api.sites import Environment, Site, parse_environments, parse_site_detail, parse_sites
from kinsta_sync.fake.contract import openapi_document

VISITS = "GET /sites/environments/{env_id}/analytics/visits"


# --- the OpenAPI document -----------------------------------------------------------------------------


def _openapi() -> dict[str, Any]:
    return openapi_document()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    components = _openapi()["components"]["schemas"]
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _example_from_schema(schema: dict[str, Any], depth: int = 0) -> Any:
    """Build a document from the field-level ``example`` values of a schema.

    Kinsta's v1.87.0 document has no response-level examples for these endpoints: each property carries
    its own ``example``. Assembling them gives the document the API reference page renders.
    """
    assert depth < 30, "schema nesting too deep (a $ref cycle?)"
    schema = _resolve(schema)
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = _example_from_schema(part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _example_from_schema(schema[key][0], depth + 1)
    types = schema.get("type", "object")
    kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
    if kind == "object" or "properties" in schema:
        return {name: _example_from_schema(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example_from_schema(schema.get("items", {}), depth + 1)]
    return {"string": "example", "number": 1, "integer": 1, "boolean": True, "null": None}[kind]


def openapi_examples(path: str, status: str) -> list[Any]:
    """Every example of one GET response: explicit ``examples``/``example`` first, else the schema's."""
    try:
        content = _openapi()["paths"][path]["get"]["responses"][status]["content"]["application/json"]
    except KeyError:
        pytest.fail(f"openapi.json has no application/json {status} response for GET {path}", pytrace=False)
    found: list[Any] = []
    if "examples" in content:
        found.extend(item["value"] for item in content["examples"].values() if "value" in item)
    if "example" in content:
        found.append(content["example"])
    return found or [_example_from_schema(content["schema"])]


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


def test_it_parses_the_sites_example_with_full_environments() -> None:
    for doc in openapi_examples("/sites", "200"):
        parsed = parse_sites(doc)
        assert parsed.errors == []
        raw = doc["company"]["sites"][0]
        site = parsed.items[0]
        assert (site.id, site.name, site.display_name, site.status) == (
            raw["id"],
            raw["name"],
            raw["display_name"],
            raw["status"],
        )
        assert [(label.id, label.name) for label in site.labels] == [
            (label["id"], label["name"]) for label in raw["siteLabels"]
        ]
        raw_env = raw["environments"][0]
        env = site.environments[0]
        assert (env.id, env.name, env.display_name) == (raw_env["id"], raw_env["name"], raw_env["display_name"])
        assert env.wordpress_version == raw_env["wordpress_version"]
        assert env.php_version == raw_env["container_info"]["php_engine_version"]
        assert env.primary_domain is not None
        assert env.primary_domain.name == raw_env["primaryDomain"]["name"]
        assert [d.name for d in env.domains] == [d["name"] for d in raw_env["domains"]]


def test_it_parses_the_site_detail_example_with_short_environments() -> None:
    for doc in openapi_examples("/sites/{site_id}", "200"):
        site = parse_site_detail(doc)
        assert site.id == doc["site"]["id"]
        assert site.company_id == doc["site"]["company_id"]
        env = site.environments[0]
        # The short form has no container_info or wordpress_version (REFERENCE §4.1).
        assert env.php_version is None
        assert env.wordpress_version is None
        assert env.primary_domain is not None


def test_it_parses_the_environments_example() -> None:
    for doc in openapi_examples("/sites/{site_id}/environments", "200"):
        envs = parse_environments(doc)
        assert [e.id for e in envs] == [e["id"] for e in doc["site"]["environments"]]
        assert envs[0].php_version == "php8.3"


@pytest.mark.parametrize("metric", ["visits", "bandwidth", "cdn-bandwidth", "diskspace"])
def test_it_parses_the_analytics_examples(metric: str) -> None:
    # S1 documents 202 as the success code of the analytics endpoints (REFERENCE §4.3).
    for doc in openapi_examples(f"/sites/environments/{{env_id}}/analytics/{metric}", "202"):
        values = parse_analytics(doc, metric)
        dataset = doc["analytics"]["analytics_response"]["data"][0]["dataset"]
        assert [(v.day.isoformat(), v.value) for v in values] == [
            (point["key"][:10], int(point["value"])) for point in dataset
        ]


@pytest.mark.parametrize(
    ("kind", "inner", "field"),
    [
        ("visits", "this_month_usage", "visits"),
        ("bandwidth", "this_month_usage", "bandwidth"),
        ("cdn-bandwidth", "this_month_cdn_usage", "bandwidth"),
    ],
)
def test_it_parses_the_usage_examples(kind: str, inner: str, field: str) -> None:
    for doc in openapi_examples(f"/sites/{{site_id}}/usage/{kind}/this-month", "200"):
        assert parse_usage(doc, kind) == doc["site"][inner][field]


# --- quirks from REFERENCE.md ---------------------------------------------------------------------------


def _analytics_doc(*points: tuple[Any, Any], name: str = "uniqueip") -> dict[str, Any]:
    dataset = [{"key": key, "value": value} for key, value in points]
    return {
        "analytics": {"analytics_response": {"key": name, "data": [{"name": name, "total": 0, "dataset": dataset}]}}
    }


def _site(**overrides: Any) -> dict[str, Any]:
    site = {"id": "site-1", "name": "first", "display_name": "First", "status": "live"}
    site.update(overrides)
    return site


def test_it_reads_both_bucket_key_formats_as_the_same_day() -> None:
    naive = parse_analytics(_analytics_doc(("2025-10-28T00:00:00", "5")), "visits")
    zulu = parse_analytics(_analytics_doc(("2025-10-28T00:00:00.000Z", "5")), "visits")
    assert naive == zulu
    assert naive[0].day == date(2025, 10, 28)


def test_it_coerces_numeric_strings_and_numbers_to_int() -> None:
    doc = _analytics_doc(
        ("2025-10-01T00:00:00", "123"),
        ("2025-10-02T00:00:00", "123.0"),
        ("2025-10-03T00:00:00", 124),
        ("2025-10-04T00:00:00", 125.0),
        ("2025-10-05T00:00:00", " 1073741824 "),
    )
    values = parse_analytics(doc, "visits")
    assert [v.value for v in values] == [123, 123, 124, 125, 1073741824]
    assert all(type(v.value) is int for v in values)


def test_it_rejects_a_non_numeric_value_naming_endpoint_and_path() -> None:
    doc = _analytics_doc(("2025-10-01T00:00:00", "12"), ("2025-10-02T00:00:00", "n/a"))
    with pytest.raises(KinstaResponseError) as caught:
        parse_analytics(doc, "visits", endpoint=VISITS)
    message = str(caught.value)
    assert message.startswith(f"{VISITS}: analytics.analytics_response.data[0].dataset[1].value: ")
    assert "'n/a'" in message
    assert caught.value.field == "analytics.analytics_response.data[0].dataset[1].value"
    assert caught.value.endpoint == VISITS


@pytest.mark.parametrize("bad", [True, "", "12abc", "NaN", "Infinity", [], {}])
def test_it_rejects_values_that_only_look_like_numbers(bad: Any) -> None:
    with pytest.raises(KinstaResponseError, match=r"dataset\[0\]\.value"):
        parse_analytics(_analytics_doc(("2025-10-01T00:00:00", bad)), "visits")


def test_it_keeps_missing_and_null_days_as_gaps_and_sorts_days() -> None:
    doc = _analytics_doc(
        ("2025-10-03T00:00:00", "3"),
        ("2025-10-01T00:00:00", "1"),
        ("2025-10-04T00:00:00", None),
    )
    values = parse_analytics(doc, "visits")
    assert [(v.day.day, v.value) for v in values] == [(1, 1), (3, 3)]


def test_it_returns_no_days_for_an_empty_series() -> None:
    empty = {"analytics": {"analytics_response": {"key": "uniqueip", "data": []}}}
    assert parse_analytics(empty, "visits") == []


def test_it_picks_the_series_of_the_requested_metric_when_there_are_several() -> None:
    doc = _analytics_doc(("2025-10-01T00:00:00", "1"), name="something-else")
    doc["analytics"]["analytics_response"]["data"].append(
        {"name": "cdnBandwidth", "total": 9, "dataset": [{"key": "2025-10-01T00:00:00", "value": "9"}]}
    )
    assert parse_analytics(doc, "cdn-bandwidth")[0].value == 9


def test_it_rejects_a_broken_analytics_envelope() -> None:
    with pytest.raises(KinstaResponseError) as caught:
        parse_analytics({"analytics": {}}, "visits", endpoint=VISITS)
    assert str(caught.value) == f"{VISITS}: analytics.analytics_response: Field required"


@pytest.mark.parametrize("key", ["siteLabels", "site_labels"])
def test_it_reads_labels_from_either_spelling(key: str) -> None:
    doc = {"company": {"sites": [_site(**{key: [{"id": "l1", "name": "Client: Acme"}]})]}}
    site = parse_sites(doc).items[0]
    assert [(label.id, label.name) for label in site.labels] == [("l1", "Client: Acme")]


def test_it_defaults_labels_and_environments_to_empty_lists() -> None:
    site = parse_sites({"company": {"sites": [_site(siteLabels=None)]}}).items[0]
    assert site.labels == []
    assert site.environments == []


def test_it_ignores_unknown_fields_at_every_level() -> None:
    env = {
        "id": "env-1",
        "name": "live",
        "display_name": "Live",
        "brand_new_flag": True,
        "container_info": {"id": "c", "php_engine_version": "php8.4", "cpu": {"cores": 2}},
        "primaryDomain": {"id": "d1", "name": "example.com", "site_id": "site-1", "is_active": True, "x": 1},
    }
    doc = {"company": {"sites": [_site(environments=[env], future_field={"a": 1})], "page": 1}, "meta": {}}
    parsed = parse_sites(doc)
    assert parsed.errors == []
    assert parsed.items[0].environments[0].php_version == "php8.4"
    assert not hasattr(parsed.items[0], "future_field")


def test_it_reports_a_bad_site_and_keeps_the_good_ones() -> None:
    doc = {"company": {"sites": [_site(id="a"), _site(id="b"), _site(id="c"), {"name": "x"}, _site(id="e")]}}
    doc["company"]["sites"][3] = {k: v for k, v in _site().items() if k != "id"}
    parsed = parse_sites(doc)
    assert [site.id for site in parsed.items] == ["a", "b", "c", "e"]
    assert [str(e) for e in parsed.errors] == ["GET /sites: company.sites[3].id: Field required"]
    assert parsed.errors[0].field == "company.sites[3].id"
    assert parsed.errors[0].permanent is True


def test_it_names_the_nested_path_of_a_bad_environment_in_a_site() -> None:
    env = {"id": "env-1", "name": "live"}  # display_name missing
    parsed = parse_sites({"company": {"sites": [_site(environments=[env])]}})
    assert parsed.items == []
    assert str(parsed.errors[0]) == "GET /sites: company.sites[0].environments[0].display_name: Field required"


def test_it_reports_a_non_object_item() -> None:
    parsed = parse_sites({"company": {"sites": [None, _site()]}})
    assert len(parsed.items) == 1
    assert str(parsed.errors[0]).startswith("GET /sites: company.sites[0]: ")


def test_it_raises_on_a_broken_sites_envelope() -> None:
    with pytest.raises(KinstaResponseError) as caught:
        parse_sites({"sites": []})
    assert str(caught.value) == "GET /sites: company: Field required"
    with pytest.raises(KinstaResponseError, match=r"^GET /sites: company\.sites: "):
        parse_sites({"company": {"sites": "nope"}})


def test_it_raises_when_an_environment_of_a_site_is_broken() -> None:
    doc = {"site": {"environments": [{"id": "e", "name": "live", "display_name": "Live"}, {"id": "f"}]}}
    with pytest.raises(KinstaResponseError) as caught:
        parse_environments(doc)
    assert str(caught.value).startswith("GET /sites/{site_id}/environments: site.environments[1].name: Field")


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


def test_it_reads_the_cdn_usage_from_its_own_inner_key() -> None:
    doc = {"site": {"id": "s", "this_month_usage": {"bandwidth": 5}}}
    with pytest.raises(KinstaResponseError) as caught:
        parse_usage(doc, "cdn-bandwidth")
    assert str(caught.value) == (
        "GET /sites/{site_id}/usage/cdn-bandwidth/this-month: site.this_month_cdn_usage: Field required"
    )
    assert parse_usage({"site": {"id": "s", "this_month_cdn_usage": {"bandwidth": 1.6e10}}}, "cdn-bandwidth") == (
        16_000_000_000
    )


def test_models_are_frozen() -> None:
    site = Site.model_validate(_site())
    with pytest.raises(pydantic.ValidationError):
        site.name = "changed"  # type: ignore[misc]


def test_the_short_environment_form_parses_with_defaults() -> None:
    env = Environment.model_validate({"id": "e", "name": "staging", "display_name": "Staging"})
    assert (env.is_premium, env.is_blocked, env.domains, env.primary_domain) == (False, False, [], None)
    assert not env.is_live


def test_error_locations_render_as_json_paths() -> None:
    assert format_loc(("company", "sites", 3, "id")) == "company.sites[3].id"
    assert format_loc(("id",), "company.sites[3]") == "company.sites[3].id"
    assert format_loc((), "company.sites[0]") == "company.sites[0]"


# --- liberal at the edge, strict where a wrong guess would store a wrong value (issue 10) ---------------

MOMENT = datetime(2022, 10, 10, 6, 16, 40, 770000, tzinfo=UTC)
# Every form REFERENCE §1.5 lists for a timestamp, each naming MOMENT.
TIMESTAMP_FORMS = [
    pytest.param(1665382600770, id="epoch-ms-number"),
    pytest.param(1665382600770.0, id="epoch-ms-float"),
    pytest.param("1665382600770", id="epoch-ms-string"),
    pytest.param("2022-10-10T06:16:40.770Z", id="iso-z"),
    pytest.param("2022-10-10T08:16:40.770+02:00", id="iso-offset"),
    pytest.param("2022-10-10T06:16:40.770", id="iso-naive-is-utc"),
]


def _activity(**overrides: Any) -> dict[str, Any]:
    item = {"id": 34181968, "created_at": 1665382600770, "type": "deleteSite"}
    item.update(overrides)
    return {"company": {"activity_logs": {"items": [item], "total": 1}}}


def _timestamp_of(field: str, value: Any) -> datetime | None:
    if field == "activity created_at":
        page = parse_activity_logs(_activity(created_at=value))
        assert page.errors == [], page.errors
        return page.items[0].created_at
    if field == "validate expires_at":
        return parse_validation({"name": "k", "expires_at": value, "company": "c", "status": "active"}).expires_at
    parsed = parse_api_keys({"api_keys": [{"id": "a", "name": "A", "status": "active", "expires_at": value}]})
    assert parsed.errors == [], parsed.errors
    return parsed.items[0].expires_at


TIMESTAMP_FIELDS = ["activity created_at", "validate expires_at", "api-keys expires_at"]


@pytest.mark.parametrize("field", TIMESTAMP_FIELDS)
@pytest.mark.parametrize("value", TIMESTAMP_FORMS)
def test_every_timestamp_field_reads_every_documented_form(field: str, value: Any) -> None:
    read = _timestamp_of(field, value)
    assert read == MOMENT
    assert read is not None and read.utcoffset() is not None and read.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("bad", ["yesterday", "", True, [], {}, 1e300, "10/10/2022"])
def test_a_timestamp_that_names_no_time_costs_its_item(bad: Any) -> None:
    good = {"id": 1, "created_at": 1665382600770, "type": "x"}
    doc = _activity(created_at=bad)
    doc["company"]["activity_logs"]["items"].insert(0, good)
    page = parse_activity_logs(doc)
    assert [entry.id for entry in page.items] == [1]
    assert page.errors[0].field == "company.activity_logs.items[1].created_at"
    assert page.errors[0].item_id == "34181968"


def _full_site(**ids: Any) -> dict[str, Any]:
    domain = {"id": ids.get("domain", "d-1"), "name": "example.com", "type": "live"}
    env = {"id": ids.get("env", "e-1"), "name": "live", "display_name": "Live", "domains": [domain]}
    env["primaryDomain"] = domain
    return _site(
        id=ids.get("site", "s-1"), siteLabels=[{"id": ids.get("label", "l-1"), "name": "launched"}], environments=[env]
    )


def test_every_id_reads_a_number_as_its_digits_and_a_string_as_it_is() -> None:
    numbers = parse_sites({"company": {"sites": [_full_site(site=11, label=3335, env=12, domain=13)]}})
    strings = parse_sites({"company": {"sites": [_full_site(site="11", label="3335", env="12", domain="13")]}})
    assert numbers.errors == numbers.warnings == []
    assert numbers.items == strings.items
    site = numbers.items[0]
    env = site.environments[0]
    assert (site.id, site.labels[0].id, env.id, env.domains[0].id, env.primary_domain.id) == (
        "11",
        "3335",
        "12",
        "13",
        "13",
    )
    detail = parse_site_detail({"site": {**_site(id=11), "company_id": 99, "siteLabels": [{"id": 5, "name": "x"}]}})
    assert (detail.id, detail.company_id, detail.labels[0].id) == ("11", "99", "5")
    user = parse_users({"company": {"users": [{"user": {"id": 7, "email": "a@b.c", "full_name": "A"}}]}})
    assert user.items[0].id == "7"
    key = parse_api_keys({"api_keys": [{"id": 8, "name": "K", "status": "active", "expires_at": None}]})
    assert key.items[0].id == "8"
    assert parse_validation({"name": "k", "company": 1234, "status": "active"}).company == "1234"
    entry = parse_activity_logs(
        _activity(site_id=11, initiated_by={"id": 21, "full_name": "Jane"}, api_key_info={"id": 8, "name": "K"})
    ).items[0]
    assert (entry.site_id, entry.initiated_by_id) == ("11", "21")
    for kind, inner, name in (
        ("visits", "this_month_usage", "visits"),
        ("bandwidth", "this_month_usage", "bandwidth"),
        ("cdn-bandwidth", "this_month_cdn_usage", "bandwidth"),
    ):
        assert parse_usage({"site": {"id": 11, inner: {name: "5"}}}, kind) == 5
    assert SiteUsage(site_id=11, visits=1, bandwidth=2, cdn_bandwidth=3).site_id == "11"


@pytest.mark.parametrize("bad", [True, False, 3335.0, 1.5, {"id": 1}, [1]])
def test_an_id_is_never_a_float_or_a_boolean(bad: Any) -> None:
    # A JSON number above 2**53 loses digits as a float: a rounded id would name another object.
    parsed = parse_sites({"company": {"sites": [_site(id=bad), _site(id="ok")]}})
    assert [site.id for site in parsed.items] == ["ok"]
    assert parsed.errors[0].field == "company.sites[0].id"
    assert parsed.errors[0].item_id is None


@pytest.mark.parametrize(("raw", "read"), [(34181968, 34181968), ("34181968", 34181968), (" 7 ", 7), (0, 0)])
def test_an_integer_id_reads_a_whole_number_or_a_digit_string(raw: Any, read: int) -> None:
    page = parse_activity_logs(_activity(id=raw))
    assert [entry.id for entry in page.items] == [read]
    assert type(page.items[0].id) is int


@pytest.mark.parametrize("bad", ["7.5", 7.5, 7.0, "7.0", True, -1, "-1", "", "abc", "١٢", 2**63, None])
def test_an_integer_id_is_never_a_fraction_a_float_or_out_of_range(bad: Any) -> None:
    page = parse_activity_logs(_activity(id=bad))
    assert page.items == []
    assert page.errors[0].field == "company.activity_logs.items[0].id"


def test_unknown_enum_values_are_kept_as_text() -> None:
    site = parse_sites({"company": {"sites": [_site(status="suspended")]}}).items[0]
    assert site.status == "suspended"
    env = Environment.model_validate({"id": "e", "name": "preview-2", "display_name": "Preview"})
    assert env.name == "preview-2"
    key = parse_api_keys({"api_keys": [{"id": "a", "name": "A", "status": "paused", "expires_at": None}]})
    assert key.items[0].status == "paused"
    entry = parse_activity_logs(_activity(type="brandNewAction2027", initiated_by={"id": "u", "role": "robot"}))
    assert (entry.items[0].type, entry.items[0].initiated_by_role) == ("brandNewAction2027", "robot")
    assert parse_validation({"name": "k", "company": "c", "status": "suspended"}).status == "suspended"


def _annotation_parts(annotation: Any) -> list[Any]:
    parts = [annotation]
    for arg in typing.get_args(annotation):
        parts += _annotation_parts(arg)
    return parts


def test_no_field_is_a_literal_or_an_enum_that_would_refuse_a_new_value() -> None:
    modules = (api_common, api_sites, api_analytics, api_company)
    found = {obj for m in modules for obj in vars(m).values() if isinstance(obj, type) and issubclass(obj, BaseModel)}
    models = sorted(found, key=lambda model: model.__name__)
    assert len(models) > 20
    for model in models:
        for name, info in model.model_fields.items():
            for part in _annotation_parts(info.annotation):
                where = f"{model.__name__}.{name}"
                assert typing.get_origin(part) is not typing.Literal, where
                assert not (isinstance(part, type) and issubclass(part, enum.Enum)), where


def test_names_that_arrive_as_numbers_are_kept_as_text() -> None:
    doc = {"company": {"sites": [_site(name=2024, display_name=2024, siteLabels=[{"id": 1, "name": 7}])]}}
    site = parse_sites(doc).items[0]
    assert (site.name, site.display_name, site.labels[0].name) == ("2024", "2024", "7")
    env = Environment.model_validate({"id": "e", "name": "live", "display_name": 1.5})
    assert env.display_name == "1.5"
    user = parse_users({"company": {"users": [{"user": {"id": "u", "email": "a@b.c", "full_name": 42}}]}})
    assert user.items[0].full_name == "42"
    regions = parse_regions({"company": {"available_regions": [{"region": 1, "name": 2}]}})
    assert (regions.items[0].region, regions.items[0].name) == ("1", "2")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"is_blocked": "n/a"}, "is_blocked"),
        ({"is_premium": "sometimes"}, "is_premium"),
        # A version is text: 6.10 sent as a JSON number would read "6.1", so a number is not guessed at.
        ({"wordpress_version": 6.1}, "wordpress_version"),
        ({"display_name": True}, "display_name"),
    ],
)
def test_it_is_strict_where_a_guess_would_store_a_wrong_value(overrides: dict[str, Any], field: str) -> None:
    env = {"id": "e-1", "name": "live", "display_name": "Live", **overrides}
    parsed = parse_sites({"company": {"sites": [_site(id=42, environments=[env]), _site(id="ok")]}})
    assert [site.id for site in parsed.items] == ["ok"]
    assert parsed.errors[0].field == f"company.sites[0].environments[0].{field}"
    # The bad site's id was readable: the sync knows Kinsta still lists it.
    assert parsed.errors[0].item_id == "42"
    assert parsed.unidentified == []


def test_a_label_that_cannot_be_read_costs_only_itself() -> None:
    labels = [
        {"id": 3335, "name": "launched"},
        {"id": 3336},  # no name
        {"id": True, "name": "flag"},
        "just text",
        {"id": "l-5", "name": "Client: Acme"},
    ]
    doc = {"company": {"sites": [_site(id="a"), _site(id="b"), _site(id="c"), _site(id="d", siteLabels=labels)]}}
    parsed = parse_sites(doc)
    assert parsed.errors == []
    assert [site.id for site in parsed.items] == ["a", "b", "c", "d"]
    assert [(label.id, label.name) for label in parsed.items[3].labels] == [
        ("3335", "launched"),
        ("l-5", "Client: Acme"),
    ]
    assert [(w.field, w.item_id, w.endpoint) for w in parsed.warnings] == [
        ("company.sites[3].siteLabels[1].name", "d", "GET /sites"),
        ("company.sites[3].siteLabels[2].id", "d", "GET /sites"),
        ("company.sites[3].siteLabels[3]", "d", "GET /sites"),
    ]
    assert str(parsed.warnings[0]) == (
        "GET /sites: company.sites[3].siteLabels[1].name: Field required (value: {'id': 3336})"
    )
    assert "(value: {'id': True, 'name': 'flag'})" in str(parsed.warnings[1])
    assert "(value: 'just text')" in str(parsed.warnings[2])


@pytest.mark.parametrize("key", ["siteLabels", "site_labels"])
@pytest.mark.parametrize("value", ["launched", {"id": 1, "name": "launched"}, 5, True])
def test_labels_that_are_not_a_list_leave_the_site_without_labels(key: str, value: Any) -> None:
    parsed = parse_sites({"company": {"sites": [_site(id="a", **{key: value}), _site(id="b")]}})
    assert parsed.errors == []
    assert [(site.id, site.labels) for site in parsed.items] == [("a", []), ("b", [])]
    (warning,) = parsed.warnings
    assert (warning.field, warning.item_id) == (f"company.sites[0].{key}", "a")
    assert str(warning).startswith(f"GET /sites: company.sites[0].{key}: expected a list of labels (value: ")


def test_a_broken_site_is_still_an_error_whatever_its_labels() -> None:
    parsed = parse_sites({"company": {"sites": [{"id": 9, "siteLabels": [{"id": 1}]}]}})
    assert parsed.items == parsed.warnings == []
    assert parsed.errors[0].field == "company.sites[0].name"
    assert parsed.errors[0].item_id == "9"


def test_a_bad_item_names_its_id_only_when_that_id_can_be_read() -> None:
    doc = {"company": {"sites": [{"id": 9, "name": "x"}, {"name": "no id"}, None, {"id": 1.5}, "text"]}}
    parsed = parse_sites(doc)
    assert [error.item_id for error in parsed.errors] == ["9", None, None, None, None]
    assert parsed.unidentified == parsed.errors[1:]
    users = parse_users({"company": {"users": [{"user": {"id": 5, "full_name": "No e-mail"}}, {"user": None}]}})
    assert [error.item_id for error in users.errors] == ["5", None]


def test_a_value_in_an_error_is_short_and_escaped() -> None:
    hostile = ["\u202eevil.exe\u202c" + "A" * 5000 + "\x00\n<script>"]
    parsed = parse_sites({"company": {"sites": [_site(siteLabels=[{"id": "l", "name": hostile}])]}})
    message = str(parsed.warnings[0])
    assert message.startswith("GET /sites: company.sites[0].siteLabels[0].name: Input should be a valid string")
    assert len(message) < 300
    assert "\u202e" not in message and "\x00" not in message and "\n" not in message
    assert "\\u202e" in message


def test_the_api_package_imports_nothing_from_django() -> None:
    """kinsta_sync.api is plain Python (STYLE 5.2): usable, and testable, without settings or a database."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "import kinsta_sync.api, kinsta_sync.api.client, kinsta_sync.api.transport, kinsta_sync.api.limits\n"
        "import kinsta_sync.api.sites, kinsta_sync.api.analytics, kinsta_sync.api.company\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
