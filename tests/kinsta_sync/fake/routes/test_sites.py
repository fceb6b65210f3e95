"""kinsta_sync.fake.routes.sites: sites with full or short environments, and their labels."""

from __future__ import annotations

import dataclasses

import httpx

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from tests.kinsta_sync.fake.helpers import SPEC


def test_it_lists_sites_with_full_environments_and_camel_case_keys(client: httpx.Client, app: FakeKinsta) -> None:
    response = client.get("/sites", params={"company": app.agency.company_id, "include_environments": "true"})
    assert response.status_code == 200
    sites = response.json()["company"]["sites"]
    assert len(sites) == SPEC.sites
    first = sites[0]
    assert set(first) == {"id", "name", "display_name", "status", "siteLabels", "environments"}
    env = first["environments"][0]
    assert env["name"] == "live"
    assert env["primaryDomain"]["name"] == env["domains"][0]["name"]
    assert env["container_info"]["php_engine_version"].startswith("php")
    assert isinstance(env["ssh_connection"]["ssh_port"], str)


def test_it_serves_the_labels_of_every_third_site_with_numeric_ids(client: httpx.Client, app: FakeKinsta) -> None:
    # Public clients recorded label ids as numbers against the live API; the document says string (issue 10).
    sites = client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]
    by_id = {site["id"]: site for site in sites}
    numbered = {label.id for i, site in enumerate(app.agency.sites) if i % 3 == 2 for label in site.labels}
    assert numbered, "some third site has labels"
    for site in app.agency.sites:
        served = by_id[site.id]["siteLabels"]
        assert [str(label["id"]) for label in served] == [label.id for label in site.labels]
        for label in served:
            # The same label is a number wherever it appears, a UUID string everywhere else.
            assert isinstance(label["id"], int) == (str(label["id"]) in numbered), label
    assert any(isinstance(label["id"], str) for site in sites for label in site["siteLabels"])
    # Deterministic, and no other id or value of the seed moves.
    plain = FakeAgency.generate(dataclasses.replace(SPEC, numeric_label_ids=False))
    assert [s.id for s in plain.sites] == [s.id for s in app.agency.sites]
    assert [len(s.labels) for s in plain.sites] == [len(s.labels) for s in app.agency.sites]
    assert not any(label.id.isdigit() for s in plain.sites for label in s.labels)
    assert [[label.id for label in s.labels] for s in FakeAgency.generate(SPEC).sites] == [
        [label.id for label in s.labels] for s in app.agency.sites
    ]


def test_it_leaves_out_environments_unless_asked(client: httpx.Client, app: FakeKinsta) -> None:
    sites = client.get("/sites", params={"company": app.agency.company_id}).json()["company"]["sites"]
    assert all("environments" not in site for site in sites)


def test_it_returns_one_site_with_short_environments_and_its_company(client: httpx.Client, app: FakeKinsta) -> None:
    site = app.agency.sites[0]
    body = client.get(f"/sites/{site.id}").json()["site"]
    assert body["company_id"] == app.agency.company_id
    assert set(body["environments"][0]) == {
        "id",
        "name",
        "display_name",
        "is_premium",
        "is_blocked",
        "domains",
        "primaryDomain",
    }


def test_it_returns_a_sites_full_environments(client: httpx.Client, app: FakeKinsta) -> None:
    site = next(s for s in app.agency.sites if len(s.environments) == 2)
    envs = client.get(f"/sites/{site.id}/environments").json()["site"]["environments"]
    assert [env["name"] for env in envs] == ["live", "staging"]
    assert "web_root" in envs[1]
