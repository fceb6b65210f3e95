"""kinsta_sync.sync.strings: hostile strings stored verbatim, and every stored string cut to its cap."""

from __future__ import annotations

import re

import pytest

from kinsta_sync.models import (
    ActivityLogEntry,
    CompanyUser,
    Environment,
    KinstaAccount,
    Region,
    Site,
    SiteLabel,
    SyncRun,
)
from kinsta_sync.sync import run_sync

pytestmark = pytest.mark.django_db


def test_hostile_names_are_stored_verbatim(account, agency):
    run_sync(account=account, steps=("sites",))

    for fake_site in agency.sites:
        assert Site.objects.get(kinsta_id=fake_site.id).display_name == fake_site.display_name


def test_a_20_mb_site_name_is_stored_cut_and_the_cut_recorded(account, agency):
    victim = agency.sites[0]
    victim.display_name = "N" * 20_000_000

    run = run_sync(account=account, steps=("sites",))

    # The row is stored with the first 2,000 characters (KINSTA_MAX_STRING_CHARS); the run says so, and a
    # cut is a warning, not a failure: the run still succeeds.
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert Site.objects.get(kinsta_id=victim.id).display_name == "N" * 2_000
    (cut,) = run.errors
    assert (cut["step"], cut["endpoint"], cut["item"], cut["field"], cut["level"]) == (
        "sites",
        "GET /sites",
        victim.id,
        "site.display_name",
        "warning",
    )
    assert cut["message"] == (
        "site.display_name is 20,000,000 characters long; stored its first 2,000 (KINSTA_MAX_STRING_CHARS)."
    )
    # The next sync finds the stored row unchanged, and says again what it cut.
    again = run_sync(account=account, steps=("sites",))
    assert again.counts["sites"]["updated"] == 0
    assert [e["field"] for e in again.errors] == ["site.display_name"]


def test_every_string_the_sync_stores_is_cut_to_its_cap_and_a_flood_of_cuts_is_counted(account, agency, settings):
    settings.KINSTA_MAX_STRING_CHARS, settings.KINSTA_MAX_TEXT_CHARS = 4, 6

    run = run_sync(account=account)

    assert run.status == SyncRun.Status.SUCCESS, [e for e in run.errors if e.get("level") != "warning"]
    rows = [
        *Site.objects.values_list("name", "display_name", "status"),
        *SiteLabel.objects.values_list("name"),
        *Environment.objects.values_list("name", "display_name", "php_version", "wordpress_version", "primary_domain"),
        *CompanyUser.objects.values_list("email", "full_name", "image"),
        *Region.objects.values_list("name"),
        *ActivityLogEntry.objects.values_list("type", "ip_address", "initiated_by_name", "api_key_name"),
        *KinstaAccount.objects.filter(pk=account.pk).values_list("api_key_name", "api_key_status"),
    ]
    assert max(len(value) for row in rows for value in row) == 4
    assert max(len(d) for domains in Environment.objects.values_list("domains", flat=True) for d in domains) == 4
    assert max(len(d) for d in ActivityLogEntry.objects.values_list("description", flat=True)) == 6
    assert {e["level"] for e in run.errors} == {"warning"}
    entries = {step: [e for e in run.errors if e["step"] == step] for step in ("validate", "sites", "activity")}
    assert entries["validate"][0]["field"] == "api_key.name"
    # Up to 20 entries of their own per step, then one that counts the rest.
    for step in ("sites", "activity"):
        assert len(entries[step]) == 21
        *own, rest = entries[step]
        assert all(e["item"] and e["field"] for e in own)
        assert re.fullmatch(r"[0-9,]+ more strings were stored cut to their cap in this step\.", rest["message"])


def test_an_agency_whose_every_string_is_hostile_syncs_completely(db, kinsta_settings):
    from kinsta_sync.fake.app import FakeKinsta
    from kinsta_sync.fake.data import AgencySpec, FakeAgency
    from kinsta_sync.fake.server import serve
    from tests.conftest import FAKE_KEY

    agency = FakeAgency.generate(AgencySpec(seed=5, sites=8, days=10, users=4, hostile_everywhere=True))
    with serve(FakeKinsta(agency, api_key=FAKE_KEY, requests_per_minute=100_000)) as server:
        kinsta_settings.KINSTA_API_URL = server.url
        account = KinstaAccount(company_id=agency.company_id, name="Hostile")
        account.set_api_key(FAKE_KEY)
        account.save()
        run = run_sync(account=account)

    # Names over KINSTA_MAX_STRING_CHARS (the 10,000-character one) are stored cut, each cut a warning.
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    assert {e.get("level") for e in run.errors} <= {"warning"}
    names = dict(Site.objects.values_list("kinsta_id", "display_name"))
    for fake_site in agency.sites:
        # Stored verbatim up to the cap, except NUL, which PostgreSQL text cannot hold: it becomes U+FFFD.
        assert names[fake_site.id] == fake_site.display_name.replace("\x00", "\ufffd")[:2_000]
    long_ones = {site.id for site in agency.sites if len(site.display_name) > 2_000}
    assert long_ones, "the hostile agency has a name over the cap"
    assert long_ones <= {e["item"] for e in run.errors if e["field"] == "site.display_name"}
    descriptions = ActivityLogEntry.objects.values_list("description", flat=True)
    assert any("DROP TABLE" in d for d in descriptions)
