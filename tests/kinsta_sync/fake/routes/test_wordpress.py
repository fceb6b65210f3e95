"""kinsta_sync.fake.routes.wordpress: plugins and themes in the current and the deprecated shape, backups."""

from __future__ import annotations

import httpx

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from kinsta_sync.fake.gen_wordpress import HOSTILE_PLUGIN_TITLE
from tests.kinsta_sync.fake.helpers import SPEC


def _every_env(agency: FakeAgency):  # type: ignore[no-untyped-def]
    return [env for site in agency.active_sites() for env in site.environments]


def test_the_current_shape_carries_the_vulnerability_flags(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.sites[0].live
    plugins = client.get(f"/sites/environments/{env.id}/wp-plugins").json()["environment"]["plugins"]["items"]
    assert [p["name"] for p in plugins] == [p.name for p in app.agency.wordpress(env.id).plugins]
    assert {"is_version_vulnerable", "is_update_version_vulnerable", "update_version"} <= set(plugins[0])
    themes = client.get(f"/sites/environments/{env.id}/wp-themes").json()["environment"]["themes"]["items"]
    assert themes and "is_update_version_vulnerable" not in themes[0] and "is_version_vulnerable" in themes[0]
    assert [t["status"] for t in themes].count("active") == 1


def test_the_deprecated_shape_nests_the_list_and_has_no_flags(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.sites[0].live
    body = client.get(f"/sites/environments/{env.id}/plugins").json()
    data = body["environment"]["container_info"]["wp_plugins"]["data"]
    assert [p["name"] for p in data] == [p.name for p in app.agency.wordpress(env.id).plugins]
    assert not any(key.startswith("is_") for item in data for key in item)
    themes = client.get(f"/sites/environments/{env.id}/themes").json()["environment"]["container_info"]["wp_themes"]
    assert themes["data"]


def test_legacy_only_answers_404_on_the_current_paths(app: FakeKinsta, client: httpx.Client) -> None:
    env = app.agency.sites[0].live
    app.legacy_wordpress_only = True
    assert client.get(f"/sites/environments/{env.id}/wp-plugins").status_code == 404
    assert client.get(f"/sites/environments/{env.id}/wp-themes").status_code == 404
    assert client.get(f"/sites/environments/{env.id}/plugins").status_code == 200


def test_the_agency_has_updates_vulnerabilities_a_hostile_plugin_and_stopped_backups() -> None:
    agency = FakeAgency.generate(SPEC)
    items = [i for env in _every_env(agency) for i in agency.wordpress(env.id).plugins]
    assert any(i.update_version for i in items) and any(not i.update_version for i in items)
    assert any(i.is_version_vulnerable for i in items)
    assert any(i.title == HOSTILE_PLUGIN_TITLE for i in items)
    newest = sorted(agency.wordpress(env.id).backups[0].created_at for env in _every_env(agency))
    assert newest[-1] - newest[0] > 3 * 86_400_000  # one environment's backups stopped days ago
    # Deterministic: the same seed gives the same plugins and backups.
    again = FakeAgency.generate(SPEC)
    assert [agency.wordpress(e.id) for e in _every_env(agency)] == [again.wordpress(e.id) for e in _every_env(again)]


def test_backups_are_newest_first_with_epoch_milliseconds(client: httpx.Client, app: FakeKinsta) -> None:
    env = app.agency.sites[0].live
    backups = client.get(f"/sites/environments/{env.id}/backups").json()["environment"]["backups"]
    stamps = [b["created_at"] for b in backups]
    assert stamps == sorted(stamps, reverse=True) and stamps[0] > 10**12
    assert {"daily"} <= {b["type"] for b in backups}
    assert client.get("/sites/environments/00000000-0000-4000-8000-000000000000/backups").status_code == 404
