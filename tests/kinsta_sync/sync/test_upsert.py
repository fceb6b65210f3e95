"""kinsta_sync.sync.upsert: a second sync changes nothing, a change on Kinsta changes only that."""

from __future__ import annotations

import dataclasses

import pytest

from kinsta_sync.models import CompanyUser, Environment, Site, SyncRun
from kinsta_sync.sync import HOURLY_STEPS, run_sync
from tests.kinsta_sync.sync.helpers import snapshot

pytestmark = pytest.mark.django_db


def test_a_second_sync_changes_nothing(account, fake_app):
    run_sync(account=account)
    before = snapshot()

    second = run_sync(account=account)

    assert second.status == SyncRun.Status.SUCCESS, second.errors
    assert snapshot() == before
    for name, counts in second.counts.items():
        assert counts["created"] == counts["updated"] == counts["removed"] == 0, name


def test_what_changed_on_kinsta_is_updated_and_only_that(account, agency):
    run_sync(account=account, steps=HOURLY_STEPS)
    renamed, upgraded, user = agency.sites[2], agency.sites[3].live, agency.users[0]
    renamed.display_name = "Renamed in MyKinsta"
    upgraded.php_version = "php8.4"
    agency.users[0] = dataclasses.replace(user, full_name="New Name")

    second = run_sync(account=account, steps=HOURLY_STEPS)

    assert Site.objects.get(kinsta_id=renamed.id).display_name == "Renamed in MyKinsta"
    assert Environment.objects.get(kinsta_id=upgraded.id).php_version == "php8.4"
    assert CompanyUser.objects.get(kinsta_id=user.id).full_name == "New Name"
    counts = second.counts
    assert (counts["sites"]["updated"], counts["environments"]["updated"], counts["users"]["updated"]) == (1, 1, 1)
    assert counts["sites"]["unchanged"] == len(agency.active_sites()) - 1
    assert counts["sites"]["created"] == counts["environments"]["created"] == counts["users"]["created"] == 0
