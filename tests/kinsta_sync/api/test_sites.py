"""kinsta_sync.api.sites: sites, environments and labels, against the OpenAPI document and REFERENCE.md's quirks.

No HTTP and no database: these tests call the parse functions the client uses on decoded JSON.
"""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from kinsta_sync.api.company import parse_users
from kinsta_sync.api.errors import KinstaResponseError
from kinsta_sync.api.sites import Environment, Site, parse_environments, parse_site_detail, parse_sites
from tests.kinsta_sync.api.helpers import _site, openapi_examples

# --- every endpoint the client parses, against the document -----------------------------------------


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


# --- quirks from REFERENCE.md ---------------------------------------------------------------------------


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


def test_models_are_frozen() -> None:
    site = Site.model_validate(_site())
    with pytest.raises(pydantic.ValidationError):
        site.name = "changed"  # type: ignore[misc]


def test_the_short_environment_form_parses_with_defaults() -> None:
    env = Environment.model_validate({"id": "e", "name": "staging", "display_name": "Staging"})
    assert (env.is_premium, env.is_blocked, env.domains, env.primary_domain) == (False, False, [], None)
    assert not env.is_live


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
