"""Fixtures of the actions tests: the fake Kinsta over real HTTP with quick operations, its sites synced."""

from __future__ import annotations

import pytest


@pytest.fixture
def quick_actions(settings, fake_app):
    """Operations that answer 404 for 0.3 s and run for 0.3 s, polled every 0.05 s."""
    fake_app.operation_unknown_seconds = 0.3
    fake_app.operation_running_seconds = 0.3
    settings.ACTIONS_POLL_INTERVAL = 0.05
    settings.ACTIONS_NOT_FOUND_GRACE = 5.0
    settings.ACTIONS_TIMEOUT = 10.0
    settings.ACTIONS_LEASE_SECONDS = 60
    return settings


@pytest.fixture
def synced(account, quick_actions):
    """The agency's sites and environments mirrored from the fake (the sites step of a sync)."""
    from kinsta_sync.sync import run_sync
    from kinsta_sync.sync.run import STEP_SITES, STEP_VALIDATE

    run_sync(account=account, steps=(STEP_VALIDATE, STEP_SITES))
    return account


@pytest.fixture
def live_site(synced, agency):
    from kinsta_sync.models import Site

    return Site.objects.get(kinsta_id=agency.active_sites()[0].id)


@pytest.fixture
def maintained(synced):
    """The sites with their plugins, themes and backups mirrored as well (the wordpress step)."""
    from kinsta_sync.sync import run_sync
    from kinsta_sync.sync.run import STEP_SITES, STEP_VALIDATE, STEP_WORDPRESS

    run_sync(account=synced, steps=(STEP_VALIDATE, STEP_SITES, STEP_WORDPRESS))
    return synced
