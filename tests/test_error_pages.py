"""404, 403 and 500 in the site's own layout and language, with DEBUG off (pytest-django turns it off), and
the favicon every page links."""

from __future__ import annotations

import django.test
import pytest
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import path

from clients.models import AgencyBranding


@pytest.fixture
def branded(db):
    branding = AgencyBranding.get()
    branding.name = "Northpeak Digital"
    branding.save()
    return branding


def _is_our_layout(body: str) -> bool:
    return 'class="topbar"' in body and 'href="/static/css/app.css"' in body


def test_debug_is_off_in_these_tests(settings):
    assert settings.DEBUG is False


def test_404_is_in_the_layout(client, branded, client_a_user):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert _is_our_layout(body) and "Page not found" in body and "Northpeak Digital" in body
    client.force_login(client_a_user)
    body = client.get("/clients/no-such-client/").content.decode()
    assert _is_our_layout(body) and "Page not found" in body and "Log out" in body


def test_404_speaks_german(client, branded):
    body = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Seite nicht gefunden" in body and 'lang="de"' in body


def test_403_is_in_the_layout(client, branded, staff_user):
    staff_user.user_permissions.set(Permission.objects.filter(content_type__app_label="axes"))
    client.force_login(staff_user)
    response = client.get("/admin/axes/accessattempt/")
    assert response.status_code == 403
    body = response.content.decode()
    assert _is_our_layout(body) and "Access denied" in body and "Northpeak Digital" in body


def test_500_is_in_the_layout_and_needs_no_database(db, django_assert_num_queries):
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert _is_our_layout(body) and "Something went wrong" in body and "Agency Reports" in body


@login_not_required
def _broken(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _broken)]


@pytest.mark.urls("tests.test_error_pages")
def test_a_failing_view_answers_with_the_500_page(db):
    response = django.test.Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert _is_our_layout(body) and "Something went wrong" in body


def test_pages_link_the_favicon(client, db):
    body = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in body
    favicon = client.get("/static/favicon.svg")
    assert favicon.status_code == 200
    assert b"<svg" in b"".join(favicon.streaming_content)


def test_the_share_links_410_page_is_in_the_layout(client, branded, client_a, staff_user):
    from dashboard.delivery.sharing import create_share_link, share_path

    link = create_share_link(client=client_a, query={"period": "30d"}, days=30, created_by=staff_user)
    link.revoked_at = link.created_at
    link.save()
    response = client.get(share_path(link))
    assert response.status_code == 410
    body = response.content.decode()
    assert _is_our_layout(body) and "Northpeak Digital" in body.split('class="brand"')[1].split("</a>")[0]
    assert 'rel="icon"' in body
