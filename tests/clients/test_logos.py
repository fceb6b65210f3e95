"""Logos served by the app, access-checked (nothing serves /media/ in production): a client's logo to staff,
that client's users and its share links; the agency's to every logged-in user and share links. The report
page, the share page and the admin link to these URLs."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from clients.models import AgencyBranding
from dashboard.delivery.sharing import create_share_link, revoke_share_link, share_path
from tests.personas import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


def png(colour: str = "#4b2fd1") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def logos(client_a):
    client_a.logo.save("acme.png", ContentFile(png()), save=True)
    agency = AgencyBranding.get()
    agency.logo.save("agency.png", ContentFile(png("#000000")), save=True)
    return client_a, agency


def stored(field) -> bytes:  # type: ignore[no-untyped-def]
    with field.storage.open(field.name, "rb") as handle:
        return handle.read()


def logo_src(page: str) -> str:
    return re.search(r'<img class="client-logo" src="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_a_client_user_gets_their_clients_logo_as_a_privately_cached_png(client, client_a_user, logos):
    acme, _ = logos
    client.force_login(client_a_user)

    response = client.get("/clients/acme/logo.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == stored(acme.logo)
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["ETag"].startswith('"') and response["Last-Modified"]


def test_staff_get_every_clients_logo(client, staff_user, logos):
    client.force_login(staff_user)
    assert client.get("/clients/acme/logo.png").status_code == 200


def test_another_clients_user_gets_404_for_this_clients_logo(client, client_b_user, logos):
    client.force_login(client_b_user)
    assert client.get("/clients/acme/logo.png").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, logos):
    for url in ("/clients/acme/logo.png", "/logos/agency.png"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_the_agency_logo_is_served_to_any_logged_in_user(client, logos, client_b_user, other_user):
    _, agency = logos
    for user in (client_b_user, other_user):
        client.force_login(user)
        response = client.get("/logos/agency.png")
        assert response.status_code == 200 and response.content == stored(agency.logo)


def test_without_a_logo_or_its_file_the_url_answers_404(client, staff_user, client_a, client_b):
    client.force_login(staff_user)
    assert client.get("/clients/acme/logo.png").status_code == 404
    assert client.get("/logos/agency.png").status_code == 404
    client_b.logo.save("globex.png", ContentFile(png()), save=True)
    client_b.logo.storage.delete(client_b.logo.name)
    assert client.get(f"/clients/{client_b.slug}/logo.png").status_code == 404


def test_a_browser_with_the_current_logo_gets_304(client, client_a_user, logos):
    client.force_login(client_a_user)
    first = client.get("/clients/acme/logo.png")

    again = client.get("/clients/acme/logo.png", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304 and again.content == b""
    assert again["Cache-Control"] == "private, max-age=3600"


def test_the_report_page_shows_the_logo_from_the_app(client, client_a_user, logos):
    client.force_login(client_a_user)

    src = logo_src(client.get("/clients/acme/").content.decode())

    assert src.startswith("/clients/acme/logo.png?v=")
    assert client.get(src)["Content-Type"] == "image/png"


def test_a_new_logo_gets_a_new_url(client, client_a_user, logos):
    acme, _ = logos
    client.force_login(client_a_user)
    before = logo_src(client.get("/clients/acme/").content.decode())

    acme.logo.save("acme.png", ContentFile(png("#ff0000")), save=True)

    after = logo_src(client.get("/clients/acme/").content.decode())
    assert after != before
    assert client.get(after).content == stored(acme.logo)


def test_the_share_page_shows_the_logo_through_its_link_while_the_link_works(client, staff_user, logos):
    acme, agency = logos
    link = create_share_link(client=acme, query={}, days=7, created_by=staff_user)

    src = logo_src(client.get(share_path(link)).content.decode())

    assert src.startswith(share_path(link) + "logo.png?v=")
    response = client.get(src)  # no login
    assert response.status_code == 200 and response.content == stored(acme.logo)
    assert client.get(share_path(link) + "agency-logo.png").content == stored(agency.logo)
    revoke_share_link(link, by=staff_user)
    assert client.get(src).status_code == 410


def test_the_admin_links_the_current_logo_to_the_app(client, agency_admin, logos):
    client.login(username=agency_admin.username, password=STAFF_PASSWORD)
    acme, agency = logos

    client_page = client.get(f"/admin/clients/client/{acme.pk}/change/").content.decode()
    branding_page = client.get(f"/admin/clients/agencybranding/{agency.pk}/change/").content.decode()

    assert re.search(r'href="/clients/acme/logo\.png\?v=\w+">client-logos/acme\.png</a>', client_page)
    assert re.search(r'href="/logos/agency\.png\?v=\w+">agency/agency\.png</a>', branding_page)
    assert "/media/" not in client_page + branding_page
