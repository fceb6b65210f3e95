"""White label: the agency's name and logo in the portal's header and title, in the admin, and the libraries'
internals in the admin for superusers only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile

from clients.models import AgencyBranding


@pytest.fixture
def branded(db):
    branding = AgencyBranding.get()
    branding.name = "Northpeak Digital"
    branding.save()
    return branding


def test_portal_header_and_title_carry_the_agencys_name(client, branded, client_a_user):
    client.force_login(client_a_user)
    body = client.get("/", follow=True).content.decode()
    assert 'class="brand"' in body
    assert "Northpeak Digital" in body.split('class="brand"')[1].split("</a>")[0]
    assert "<title>" in body and "Agency Reports" not in body


def test_login_page_title_carries_the_agencys_name(client, branded):
    body = client.get("/login/").content.decode()
    assert "<title>Log in · Northpeak Digital</title>" in body
    assert "Agency Reports" not in body


def test_header_shows_the_agencys_logo_to_logged_in_users(client, branded, client_a_user):
    from io import BytesIO

    from PIL import Image

    data = BytesIO()
    Image.new("RGB", (40, 20), "red").save(data, "PNG")
    branded.logo.save("logo.png", ContentFile(data.getvalue()))
    assert 'class="brand-logo"' not in client.get("/login/").content.decode()  # the logo view needs a login
    client.force_login(client_a_user)
    body = client.get("/", follow=True).content.decode()
    assert '<img class="brand-logo" src="/logos/agency.png?v=' in body


def test_admin_carries_the_agencys_name(client, branded, agency_admin):
    client.force_login(agency_admin)
    body = client.get("/admin/").content.decode()
    assert "Northpeak Digital" in body
    assert "Django administration" not in body and "Django site admin" not in body
    assert "<title>Administration | Northpeak Digital</title>" in body


@pytest.mark.parametrize("path", ["/admin/axes/accessattempt/", "/admin/django_q/schedule/"])
def test_library_internals_are_for_superusers_only(client, db, staff_user, agency_admin, path):
    # Even a staff user holding every permission of these models neither sees nor opens them.
    staff_user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["axes", "django_q"]))
    client.force_login(staff_user)
    index = client.get("/admin/").content.decode()
    assert "/admin/axes/" not in index and "/admin/django_q/" not in index
    assert client.get(path).status_code == 403
    client.force_login(agency_admin)
    index = client.get("/admin/").content.decode()
    assert "/admin/axes/" in index and "/admin/django_q/" in index
    assert client.get(path).status_code == 200
