"""The admin pages of the actions app open for the agency's admin; runs are read-only there."""

from __future__ import annotations

import pytest

from dashboard.actions.models import ActionRun


@pytest.mark.parametrize(
    "url",
    [
        "/admin/actions/actionrun/",
        "/admin/actions/actionschedule/",
        "/admin/actions/actionschedule/add/",
        "/admin/actions/slackuser/",
        "/admin/actions/slackuser/add/",
    ],
)
def test_the_admin_pages_open(client, agency_admin, url) -> None:
    client.force_login(agency_admin)
    assert client.get(url).status_code == 200


def test_a_run_cannot_be_added_or_changed_in_the_admin(client, agency_admin, client_a) -> None:
    from kinsta_sync.models import Site

    site = Site.objects.get(name="acme-shop")
    run = ActionRun.objects.create(
        site=site, environment=site.environments.get(name="live"), action="clear-cache", source="cli"
    )
    client.force_login(agency_admin)
    assert client.get("/admin/actions/actionrun/add/").status_code == 403
    page = client.get(f"/admin/actions/actionrun/{run.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
