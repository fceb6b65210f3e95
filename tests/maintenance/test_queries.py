"""The maintenance section, the site page, the overview column and the CSV run as many queries for 3 sites as
for 30, each site with plugins, themes, an update event and backups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kinsta_sync.models import UpdateEvent
from tests.factories import assign, make_account, make_client, make_site
from tests.maintenance.conftest import add_backups, add_items

pytestmark = pytest.mark.django_db


def _agency(sites: int):  # type: ignore[no-untyped-def]
    account = make_account()
    client = make_client("Scale")
    first = None
    for i in range(sites):
        site = make_site(account, name=f"scale-{i}", staging=i % 2 == 0)
        first = first or site
        for env in site.environments.all():
            add_items(
                env,
                ("plugin", "woocommerce", "WooCommerce", "8.9.1", "8.9.3", i % 3 == 0),
                ("plugin", "akismet", "Akismet", "5.3", "", False),
                ("theme", "astra", "Astra", "4.7", "", False),
            )
            add_backups(env, 5, 30 + i)
            UpdateEvent.objects.create(environment=env, kind="plugin", name="akismet", title="Akismet",
                                       from_version="5.2", to_version="5.3",
                                       seen_at=timezone.now() - timedelta(days=2))  # fmt: skip
        assign([site], client)
    return client, first


def count(http, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.fixture
def counts(client, staff_user):  # type: ignore[no-untyped-def]
    def measure(sites: int) -> dict[str, int]:
        scale, first = _agency(sites)
        client.force_login(staff_user)
        return {
            "report": count(client, f"/clients/{scale.slug}/"),
            "report warm": count(client, f"/clients/{scale.slug}/"),
            "site": count(client, f"/clients/{scale.slug}/sites/{first.pk}/"),
            "overview": count(client, "/"),
            "csv": count(client, f"/clients/{scale.slug}/maintenance.csv"),
        }

    return measure


@pytest.mark.parametrize("sites", [3, 30])
def test_queries_do_not_grow_with_sites(counts, sites):  # type: ignore[no-untyped-def]
    assert counts(sites) == {
        # session, user, client, version, the report's 6, branding, the two permission reads, and the section's
        # four (environments, plugins and themes, updates, backups), the agency's note; the other apps' sections:
        # work done (dashboard.actions) 1, traffic (dashboard.traffic) 2, the plan usage quota (dashboard.usage) 1
        "report": 22,
        # session, user, client, version, branding, the permissions, the note, work done 1, quota 1: the
        # maintenance and traffic sections come from the report cache (Section.cached)
        "report warm": 10,
        # the site page adds its plugins and themes and its latest backups, the staff panel of site actions 4 and
        # traffic 2
        "site": 22,
        # the overview, cold, with the "Needs attention" column's two queries and the "5xx share" column's one
        "overview": 13,
        # session, user, client, the installed items
        "csv": 4,
    }
