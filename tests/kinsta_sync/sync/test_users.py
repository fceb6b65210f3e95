"""kinsta_sync.sync.users: a malformed user whose id can be read is not marked removed."""

from __future__ import annotations

import dataclasses

import pytest

from kinsta_sync.models import CompanyUser, SyncRun
from kinsta_sync.sync import run_sync

pytestmark = pytest.mark.django_db


def test_a_malformed_user_whose_id_can_be_read_is_not_marked_removed(account, agency):
    assert run_sync(account=account).status == SyncRun.Status.SUCCESS
    gone, malformed = agency.users[0], agency.users[1]
    agency.users = [dataclasses.replace(u, full_name=None) if u is malformed else u for u in agency.users[1:]]

    run = run_sync(account=account, steps=["users"])

    assert [(e["step"], e["item"]) for e in run.errors] == [("users", malformed.id)]
    assert CompanyUser.objects.get(kinsta_id=gone.id).removed_at is not None
    assert CompanyUser.objects.get(kinsta_id=malformed.id).removed_at is None
