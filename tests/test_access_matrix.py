"""The access matrix, generated from the URL configuration.

Every route (outside the admin) is requested, GET and POST, as anonymous, as a client user of another
client, through an expired and a revoked share link, and as staff. A new route is covered without anyone
adding it here: its parameters are filled from PARAMETER_VALUES by name, and a route with a parameter this
module does not know fails the test until someone says which object it points at.

Expectations:
- anonymous: the login page (302 to /login/), except the public routes and share links;
- a client user of another client: 404 on every route that names a client's object (slug, site, send,
  share link) and on staff-only routes; routes that name nothing never show the other client's data;
- an expired or revoked share link: 410;
- (405 where a route refuses the method for everyone, before looking at any object; it shows nothing);
- staff: never a server error.
Reproduce: `python3 runtests.py tests/test_access_matrix.py -v`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from clients.models import AgencyBranding, ClientMembership
from dashboard.delivery.models import ReportSend, ShareLink
from dashboard.delivery.sharing import share_token
from kinsta_sync.models import KinstaAccount, Site
from tests.factories import make_site

pytestmark = pytest.mark.django_db

# Routes anyone may open (Django's own password-reset flow, the health check, language switch, login).
PUBLIC = {
    "healthz",
    "login",
    "logout",
    "set_language",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Slack's slash command: no login, Slack's request signature instead (tests/actions/test_slack.py).
    "actions-slack-commands",
}
# Routes for staff only, that name no client object; a client user gets 404.
STAFF_ONLY = {
    "reports-sync",
    "reports-sync-status",
    "reports-sync-now",
    "usage-page",
    "usage-allocation-csv",
    "usage-forecast-csv",
    "actions-run",
}
# Routes whose object is a share link token: no login, 410 once the link expired or was revoked.
SHARE = {"reports-share", "reports-share-pdf", "reports-share-logo", "reports-share-agency-logo"}
# Parameters that point at one client's objects.
CLIENT_SCOPED = {"slug", "site_id", "send_id", "link_id"}


def png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#4b2fd1").save(buffer, format="PNG")
    return buffer.getvalue()


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, str, list[str]]]:
    """(name, route, parameter names) for every route outside the admin."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield pattern.name, route, list(pattern.pattern.converters)


def fill(route: str, values: dict[str, object]) -> str:
    import re

    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        if name not in values:
            pytest.fail(f"route {route!r} has a parameter {name!r}: add it to the access matrix's values")
        return str(values[name])

    return "/" + re.sub(r"<([^>]+)>", value, route)


@pytest.fixture
def world(client_a, client_b, staff_user, settings, tmp_path):
    """Objects of client A (whose URLs the other client's user tries) and share links of A; A and the agency
    have logos, so the logo routes answer with one where access allows."""
    settings.MEDIA_ROOT = tmp_path / "media"
    client_a.logo.save("acme.png", ContentFile(png()), save=True)
    AgencyBranding.get().logo.save("agency.png", ContentFile(png()), save=True)
    site = Site.objects.filter(assignment__client=client_a).first()
    if site is None:
        site = make_site(KinstaAccount.objects.first(), name="a-site")
    send = ReportSend.objects.create(
        client=client_a,
        period_start=timezone.localdate() - timedelta(days=30),
        period_end=timezone.localdate() - timedelta(days=1),
        status=ReportSend.Status.SENT,
    )
    expired = ShareLink.objects.create(client=client_a, expires_at=timezone.now() - timedelta(minutes=1))
    revoked = ShareLink.objects.create(
        client=client_a, expires_at=timezone.now() + timedelta(days=7), revoked_at=timezone.now()
    )
    account = KinstaAccount.objects.first()
    from dashboard.actions.models import ActionRun

    run = ActionRun.objects.create(site=site, environment=site.environments.first(), action="clear-cache", source="cli")
    return {
        "values": {
            "slug": client_a.slug,
            "site_id": site.pk,
            "send_id": send.pk,
            "link_id": expired.pk,
            "account_id": account.pk if account else 1,
            "uidb64": "MQ",
            "token": share_token(expired),
            "action": "clear-cache",
            "run_id": run.pk,
        },
        "revoked_token": share_token(revoked),
        "client_a": client_a,
        "site": site,
    }


def all_routes() -> list[tuple[str, str, list[str]]]:
    found = list(routes())
    assert len(found) >= 20, "the URL configuration shrank unexpectedly"
    return found


def test_every_route_sends_anonymous_visitors_to_the_login_page(client, world):
    for name, route, _ in all_routes():
        if name in PUBLIC:
            continue
        url = fill(route, world["values"])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if name in SHARE:
                # A share link is read-only: other methods are refused before the link is looked at.
                expected = 410 if method == "get" else 405
                assert response.status_code == expected, (method, url, response.status_code)
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/login/"), (method, url)


def test_a_client_user_of_another_client_gets_404_on_every_route_of_this_client(client, world, client_b_user):
    client.force_login(client_b_user)
    checked = 0
    for name, route, params in all_routes():
        if name in PUBLIC or name in SHARE:
            continue
        url = fill(route, world["values"])
        scoped = bool(CLIENT_SCOPED & set(params))
        statuses = {}
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            statuses[method] = response.status_code
            if scoped or name in STAFF_ONLY:
                # 405: a method nobody may use on that route, refused before any object is looked up.
                assert response.status_code in (404, 405), (method, url, response.status_code)
            else:
                # A route that names no client object shows this user only their own client.
                assert response.status_code in (200, 302, 405), (method, url, response.status_code)
                body = response.content.decode(errors="replace")
                assert world["client_a"].name not in body, (method, url)
                assert world["site"].display_name not in body, (method, url)
                if response.status_code == 302:
                    assert world["client_a"].slug not in response.headers["Location"], (method, url)
        if scoped or name in STAFF_ONLY:
            # The method the route serves answers 404: the object is not there for this user.
            assert 404 in statuses.values(), (url, statuses)
            checked += 1
    assert checked >= 15


def test_expired_and_revoked_share_links_answer_410_on_every_share_route(client, world):
    share_routes = [(name, route) for name, route, _ in all_routes() if name in SHARE]
    assert share_routes
    for token in (world["values"]["token"], world["revoked_token"]):
        for _, route in share_routes:
            url = fill(route, {**world["values"], "token": token})
            response = client.get(url)
            assert response.status_code == 410, (url, response.status_code)
            assert world["site"].display_name not in response.content.decode()


def test_every_share_route_is_known_to_the_matrix():
    # A new route that takes a share token must be listed in SHARE, or its 410 goes untested.
    for name, _, params in all_routes():
        if "token" in params and name not in PUBLIC:
            assert name in SHARE, name


@pytest.mark.needs("pango")
def test_staff_never_get_a_server_error(client, world, staff_user):
    client.force_login(staff_user)
    for name, route, _ in all_routes():
        if name in SHARE or name == "logout":
            continue
        url = fill(route, world["values"])
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)


def test_a_client_user_is_member_of_exactly_one_client(client_a_user):
    assert ClientMembership.objects.filter(user=client_a_user).count() == 1
