"""kinsta_sync.sync.sites: labels, removed and returning sites, and a bad site that costs only itself."""

from __future__ import annotations

import httpx
import pytest

from kinsta_sync.fake.records import Ref
from kinsta_sync.models import AnalyticsPoint, Environment, Site, SiteLabel, SyncRun
from kinsta_sync.sync import HOURLY_STEPS, run_sync
from tests.conftest import FAKE_KEY
from tests.kinsta_sync.sync.helpers import age_mirror, expected_points, stored_points

pytestmark = pytest.mark.django_db


def test_a_fake_serving_numeric_label_ids_syncs_every_site_label_and_analytics_point(account, agency, fake_app):
    # Public clients recorded label ids as JSON numbers from the live API (issue 10); the fake serves the
    # labels of every third site that way. Before the client accepted them, each such site was dropped.
    headers = {"Authorization": f"Bearer {FAKE_KEY}"}
    with httpx.Client(
        base_url="http://fake.test", transport=httpx.WSGITransport(app=fake_app), headers=headers
    ) as http:
        served = http.get("/sites", params={"company": agency.company_id}).json()["company"]["sites"]
    numeric = {site["id"] for site in served if any(isinstance(label["id"], int) for label in site["siteLabels"])}
    assert numeric, "the fake serves some label ids as numbers"

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert Site.objects.count() == len(agency.sites) == run.counts["sites"]["created"]
    assert SiteLabel.objects.count() == len({label.id for site in agency.sites for label in site.labels})
    pairs = set(Site.labels.through.objects.values_list("site__kinsta_id", "sitelabel__kinsta_id"))
    assert pairs == {(site.id, label.id) for site in agency.sites for label in site.labels}
    assert len(pairs) == sum(len(site.labels) for site in agency.sites)
    expected = expected_points(agency, days=60)
    assert AnalyticsPoint.objects.count() == len(expected) == run.counts["analytics"]["created"]
    numeric_envs = {env.id for site in agency.sites if site.id in numeric for env in site.environments}
    stored = AnalyticsPoint.objects.filter(environment__kinsta_id__in=numeric_envs).count()
    assert stored == len([point for point in expected if point[0] in numeric_envs]) > 0


def test_a_site_gone_from_kinsta_is_marked_removed_and_keeps_its_history(account, agency):
    run_sync(account=account)
    gone = agency.sites[0]
    points_before = AnalyticsPoint.objects.filter(environment__site__kinsta_id=gone.id).count()
    assert points_before > 0

    agency.remove_site(gone.id)
    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS, run.errors
    site = Site.objects.get(kinsta_id=gone.id)
    assert site.removed_at is not None
    assert all(env.removed_at is not None for env in site.environments.all())
    assert AnalyticsPoint.objects.filter(environment__site=site).count() == points_before
    assert run.counts["sites"]["removed"] == 1
    assert Site.objects.filter(removed_at__isnull=True).count() == len(agency.sites) - 1


def test_a_site_that_comes_back_is_no_longer_removed(account, agency):
    run_sync(account=account)
    back = agency.sites[1]
    agency.remove_site(back.id)
    run_sync(account=account, steps=HOURLY_STEPS)
    back.removed = False

    run_sync(account=account, steps=HOURLY_STEPS)

    assert Site.objects.get(kinsta_id=back.id).removed_at is None


# --- One bad item costs only itself (issue 10) -------------------------------------------------------------


def serve_sites_as(monkeypatch: pytest.MonkeyPatch, change) -> None:
    """Let `change(site, body)` rewrite the item the fake's GET /sites serves for each site."""
    from kinsta_sync.fake.routes import sites as fake_sites_module

    original = fake_sites_module._site_list_json

    def patched(site, include_environments):
        body = original(site, include_environments)
        change(site, body)
        return body

    monkeypatch.setattr(fake_sites_module, "_site_list_json", patched)


def stored_labels(site_id: str) -> list[str]:
    return sorted(Site.objects.get(kinsta_id=site_id).labels.values_list("kinsta_id", flat=True))


@pytest.mark.parametrize("damage", ["label without a name", "labels not a list"])
def test_a_site_whose_labels_cannot_be_read_keeps_its_stored_labels_and_costs_nothing_else(
    damage, account, agency, monkeypatch
):
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS
    age_mirror(days=5)
    index, victim = next((i, s) for i, s in enumerate(agency.active_sites()) if s.labels)
    before = stored_labels(victim.id)
    assert before == sorted(label.id for label in victim.labels)
    added = Ref("label-added-in-mykinsta", "Added in MyKinsta")

    def damage_victim(site, body):
        if site.id != victim.id:
            return
        if damage == "labels not a list":
            body["siteLabels"] = "launched"
        else:  # the stored labels arrive without a name, next to a new readable one
            body["siteLabels"] = [{"id": added.id, "name": added.name}] + [{"id": lab.id} for lab in site.labels]

    serve_sites_as(monkeypatch, damage_victim)
    run = run_sync(account=account)

    # The run says what could not be read, where, and the value; it is partial, and it went on.
    assert run.status == SyncRun.Status.PARTIAL
    errors = [e for e in run.errors if e["step"] == "sites"]
    assert errors and all(e["endpoint"] == "GET /sites" and e["item"] == victim.id for e in errors)
    assert len(errors) == (1 if damage == "labels not a list" else len(victim.labels))
    if damage == "labels not a list":
        assert errors[0]["message"] == (
            f"GET /sites: company.sites[{index}].siteLabels: expected a list of labels (value: 'launched')"
        )
    else:
        assert errors[0]["message"] == (
            f"GET /sites: company.sites[{index}].siteLabels[1].name: Field required "
            f"(value: {{'id': {victim.labels[0].id!r}}})"
        )
    assert {e["step"] for e in run.errors} == {"sites"}
    # The stored pairs stay (a parse problem is not Kinsta removing a label); the readable label is added.
    expected = sorted([*before, added.id]) if damage == "label without a name" else before
    assert stored_labels(victim.id) == expected
    # Every other site, environment and analytics point is exactly what the fake serves.
    for site in agency.active_sites():
        if site.id != victim.id:
            assert stored_labels(site.id) == sorted(label.id for label in site.labels)
    assert Site.objects.filter(removed_at__isnull=True).count() == len(agency.active_sites())
    assert {(*key, value) for key, value in stored_points().items()} == expected_points(agency, days=60)

    monkeypatch.undo()
    victim.labels.append(added)
    healed = run_sync(account=account)

    assert healed.status == SyncRun.Status.SUCCESS, healed.errors
    assert stored_labels(victim.id) == sorted(label.id for label in victim.labels)


def test_a_malformed_site_whose_id_can_be_read_is_not_marked_removed(account, agency, monkeypatch):
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS
    gone, malformed = agency.sites[1], agency.sites[3]
    agency.remove_site(gone.id)
    malformed.display_name = "Renamed, but unreadable"
    serve_sites_as(monkeypatch, lambda site, body: site.id == malformed.id and body.pop("status"))

    run = run_sync(account=account, steps=["sites"])

    assert run.status == SyncRun.Status.PARTIAL
    assert [(e["step"], e["item"]) for e in run.errors] == [("sites", malformed.id)]
    assert "].status: Field required" in run.errors[0]["message"]
    # The site Kinsta no longer lists is marked removed, in the same run as the malformed one ...
    assert Site.objects.get(kinsta_id=gone.id).removed_at is not None
    assert not Environment.objects.filter(site__kinsta_id=gone.id, removed_at__isnull=True).exists()
    # ... which Kinsta still lists: neither it nor its environments are removed, nor changed.
    kept = Site.objects.get(kinsta_id=malformed.id)
    assert kept.removed_at is None
    assert kept.display_name != "Renamed, but unreadable"
    assert not Environment.objects.filter(site__kinsta_id=malformed.id, removed_at__isnull=False).exists()
    assert run.counts["sites"]["removed"] == 1
    assert run.counts["environments"]["removed"] == len(gone.environments)


@pytest.mark.parametrize("bad_id", ["missing", 1.5, None])
def test_a_malformed_site_without_a_readable_id_marks_nothing_removed(bad_id, account, agency, monkeypatch):
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS
    gone, unreadable = agency.sites[1], agency.sites[3]
    agency.remove_site(gone.id)

    def break_id(site, body):
        if site.id == unreadable.id:
            if bad_id == "missing":
                del body["id"]
            else:
                body["id"] = bad_id

    serve_sites_as(monkeypatch, break_id)
    run = run_sync(account=account, steps=["sites"])

    assert run.status == SyncRun.Status.PARTIAL
    assert [(e["step"], e["item"]) for e in run.errors] == [("sites", "")]
    # The unreadable item could be any stored site: nothing is marked removed until a clean list arrives.
    assert not Site.objects.filter(removed_at__isnull=False).exists()
    assert not Environment.objects.filter(removed_at__isnull=False).exists()

    monkeypatch.undo()
    assert run_sync(account=account, steps=["sites"]).status == SyncRun.Status.SUCCESS
    assert list(Site.objects.filter(removed_at__isnull=False).values_list("kinsta_id", flat=True)) == [gone.id]
