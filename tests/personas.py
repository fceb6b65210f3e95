"""Personas (healthchecks' alice/bob/charlie): agency staff, two clients with sites and their users.

- `staff_user`: agency staff (is_staff) with the report pages' action permissions (STAFF_PERMISSIONS: send
  reports, create and revoke share links, start a sync) and no others, password "pw-staff-123!".
- `staff_viewer`: agency staff without any permission, same password.
- `agency_admin`: a superuser (the agency's admin; the Django admin needs permissions), same password.
- `client_a` ("Acme Corp", slug "acme"): sites "acme-shop" (label "Acme", shop.acme.com, with staging) and
  "acme-blog" (blog.acme.com), both mapped by hand.
- `client_b` ("Globex", slug "globex"): site "globex-main" (label "Globex", globex.com, www.globex.com).
- `unmapped_site`: one more site, "initech" (initech.io), that belongs to nobody.
- Each live environment has PERSONA_DAYS days of visits and bandwidth ending yesterday (UTC), values from
  `persona_visits(site_name, index)` / `persona_bandwidth(...)`, index 0 being the oldest day; staging
  environments have visits only (10 a day).
- `client_a_user` / `client_b_user`: non-staff users with a ClientMembership, password "pw-client-123!".
- `other_user`: a non-staff user without a membership, password "pw-client-123!".
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import add_points, assign, make_account, make_client, make_member, make_site, make_user

STAFF_PASSWORD = "pw-staff-123!"
CLIENT_PASSWORD = "pw-client-123!"
PERSONA_DAYS = 60


def persona_days() -> list[date]:
    from kinsta_sync.models import today_utc

    yesterday = today_utc() - timedelta(days=1)
    return [yesterday - timedelta(days=PERSONA_DAYS - 1 - i) for i in range(PERSONA_DAYS)]


_BASE_VISITS = {"acme-shop": 1000, "acme-blog": 200, "globex-main": 5000, "initech": 50}


def persona_visits(site_name: str, index: int) -> int:
    return _BASE_VISITS[site_name] + (index % 7) * 10


def persona_bandwidth(site_name: str, index: int) -> int:
    return persona_visits(site_name, index) * 2_000_000


def _fill(site) -> None:  # type: ignore[no-untyped-def]
    days = persona_days()
    add_points(site.live, metric="visits", days={d: persona_visits(site.name, i) for i, d in enumerate(days)})
    add_points(site.live, metric="bandwidth", days={d: persona_bandwidth(site.name, i) for i, d in enumerate(days)})
    if site.staging is not None:
        add_points(site.staging, metric="visits", days=dict.fromkeys(days, 10))


@pytest.fixture
def persona_account(db):
    return make_account(name="Persona Agency")


# What agency staff may do from the report pages (clients.access.PERM_*); staff_user has them all.
STAFF_PERMISSIONS = (
    "delivery.send_report",
    "delivery.add_sharelink",
    "delivery.change_sharelink",
    "kinsta_sync.sync_kinstaaccount",
)


def grant(user, *permissions: str):  # type: ignore[no-untyped-def]
    """Give `user` these permissions ("app_label.codename"); returns the user, fresh (permissions cached)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def staff_user(db):
    user = make_user("staff", password=STAFF_PASSWORD, email="staff@agency.example", is_staff=True)
    return grant(user, *STAFF_PERMISSIONS)


@pytest.fixture
def staff_viewer(db):
    """Agency staff without any permission: sees every client, may do nothing from the report pages."""
    return make_user("viewer", password=STAFF_PASSWORD, email="viewer@agency.example", is_staff=True)


@pytest.fixture
def agency_admin(db):
    return make_user(
        "agency-admin", password=STAFF_PASSWORD, email="admin@agency.example", is_staff=True, is_superuser=True
    )


@pytest.fixture
def client_a(persona_account):
    client = make_client("Acme Corp", slug="acme", contact_emails=["reports@acme.example"])
    shop = make_site(
        persona_account, name="acme-shop", display_name="Acme Shop", labels=["Acme"], domains=["shop.acme.com"],
        staging=True,
    )  # fmt: skip
    blog = make_site(persona_account, name="acme-blog", display_name="Acme Blog", domains=["blog.acme.com"])
    for site in (shop, blog):
        _fill(site)
    assign([shop, blog], client)
    return client


@pytest.fixture
def client_b(persona_account):
    client = make_client("Globex", slug="globex", language="de", timezone="Europe/Berlin")
    main = make_site(
        persona_account, name="globex-main", display_name="Globex", labels=["Globex"],
        domains=["globex.com", "www.globex.com"],
    )  # fmt: skip
    _fill(main)
    assign([main], client)
    return client


@pytest.fixture
def unmapped_site(persona_account):
    site = make_site(persona_account, name="initech", display_name="Initech", domains=["initech.io"])
    _fill(site)
    return site


@pytest.fixture
def client_a_user(client_a):
    user = make_user("alice", password=CLIENT_PASSWORD, email="alice@acme.example")
    make_member(user, client_a)
    return user


@pytest.fixture
def client_b_user(client_b):
    user = make_user("bob", password=CLIENT_PASSWORD, email="bob@globex.example")
    make_member(user, client_b)
    return user


@pytest.fixture
def other_user(db):
    return make_user("charlie", password=CLIENT_PASSWORD, email="charlie@example.com")
