"""kinsta_sync.api.common: timestamps, ids, text and strict values every parser shares, and error locations.

No HTTP and no database: these tests call the parse functions the client uses on decoded JSON.
"""

from __future__ import annotations

import enum
import typing
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from kinsta_sync.api import analytics as api_analytics
from kinsta_sync.api import common as api_common
from kinsta_sync.api import company as api_company
from kinsta_sync.api import sites as api_sites
from kinsta_sync.api.analytics import SiteUsage, parse_usage
from kinsta_sync.api.common import format_loc
from kinsta_sync.api.company import parse_activity_logs, parse_api_keys, parse_regions, parse_users, parse_validation
from kinsta_sync.api.sites import Environment, parse_site_detail, parse_sites
from tests.kinsta_sync.api.helpers import _site


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
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
