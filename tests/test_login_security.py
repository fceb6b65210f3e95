"""Login protection: brute-force lockout (django-axes) by the visitor's address behind the proxy, CSRF on the
login form, session cookies."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client

from clients.visitor_address import visitor_address
from tests.test_foundation import SETUP, run_python

pytestmark = pytest.mark.django_db

PASSWORD = "pw-correct-horse-42"


@pytest.fixture
def user():
    return get_user_model().objects.create_user("jane", "jane@example.com", PASSWORD)


def attempt(client: Client, password: str, *, ip: str = "203.0.113.5"):
    return client.post("/login/", {"username": "jane", "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_user_out_from_that_address(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "wrong")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()

    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()

    # Even the right password is refused while the lockout lasts.
    refused = attempt(client, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_the_user_out_from_elsewhere(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", ip="203.0.113.5")

    response = attempt(Client(), PASSWORD, ip="198.51.100.7")

    assert response.status_code == 302


def test_a_successful_login_resets_the_failure_count(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
    assert attempt(client, PASSWORD).status_code == 302


def test_the_login_form_requires_a_csrf_token(user):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/login/", {"username": "jane", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_session_cookie_is_http_only(client, user):
    response = attempt(client, PASSWORD)

    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"


# --- Behind the proxy: the visitor's address, not the proxy's ------------------------------------------------

PROXY = "10.0.0.2"  # what REMOTE_ADDR is for every request behind the proxy


def attempt_via(client: Client, password: str, *, forwarded_for: str, remote: str = PROXY):
    return client.post(
        "/login/",
        {"username": "jane", "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_proxy_a_stranger_cannot_lock_a_user_out_for_everyone(client, user, settings):
    settings.TRUSTED_PROXY_HOPS = 1  # BEHIND_HTTPS_PROXY=true
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_via(client, "wrong", forwarded_for="203.0.113.5")
    assert attempt_via(client, PASSWORD, forwarded_for="203.0.113.5").status_code == 429

    response = attempt_via(Client(), PASSWORD, forwarded_for="198.51.100.7")

    assert response.status_code == 302


def test_behind_the_proxy_only_the_entry_the_proxy_added_counts(client, user, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    # The visitor varies what it sends; the proxy appends the address it really came from.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_via(client, "wrong", forwarded_for=f"192.0.2.{n}, 203.0.113.5")

    assert attempt_via(client, PASSWORD, forwarded_for="192.0.2.99, 203.0.113.5").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_without_a_proxy_forged_forwarded_addresses_are_ignored(client, user, settings):
    settings.TRUSTED_PROXY_HOPS = 0  # no BEHIND_HTTPS_PROXY: anyone can send X-Forwarded-For
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_via(client, "wrong", forwarded_for=f"192.0.2.{n}", remote="203.0.113.5")

    locked = attempt_via(client, PASSWORD, forwarded_for="198.51.100.7", remote="203.0.113.5")

    assert locked.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_with_two_proxies_the_second_entry_from_the_right_is_the_visitor(client, user, settings):
    settings.TRUSTED_PROXY_HOPS = 2  # e.g. a CDN in front of the HTTPS proxy
    cdn = "10.1.1.1"
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_via(client, "wrong", forwarded_for=f"192.0.2.{n}, 203.0.113.5, {cdn}")

    assert attempt_via(client, PASSWORD, forwarded_for=f"203.0.113.5, {cdn}").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    assert attempt_via(Client(), PASSWORD, forwarded_for=f"203.0.113.5, 198.51.100.7, {cdn}").status_code == 302


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),
        (1, "", "10.0.0.2"),  # no header: the proxy's address (nothing better is known)
        (1, "198.51.100.7", "198.51.100.7"),
        (1, " 192.0.2.1 ,198.51.100.7 ", "198.51.100.7"),
        (1, "198.51.100.7:4711", "198.51.100.7"),
        (1, "[2001:DB8::1]:4711", "2001:db8::1"),
        (1, "not-an-address", "10.0.0.2"),
        (2, "198.51.100.7", "10.0.0.2"),  # shorter than the proxies would make it
        (2, "192.0.2.1, 198.51.100.7, 10.1.1.1", "198.51.100.7"),
    ],
)
def test_the_visitor_address(settings, rf, hops, forwarded_for, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert visitor_address(request) == expected


@pytest.mark.parametrize(
    ("env", "hops"),
    [
        ({}, "0"),
        ({"BEHIND_HTTPS_PROXY": "true"}, "1"),
        ({"BEHIND_HTTPS_PROXY": "true", "TRUSTED_PROXY_HOPS": "2"}, "2"),
    ],
)
def test_the_documented_proxy_trusts_one_hop_unless_told_otherwise(env, hops):
    code = SETUP + "; from django.conf import settings as s; print('hops', s.TRUSTED_PROXY_HOPS)"

    result = run_python(code, DEBUG="true", **env)

    assert f"hops {hops}" in result.stdout, result.stderr


def test_a_negative_number_of_hops_is_refused():
    result = run_python(SETUP, DEBUG="true", TRUSTED_PROXY_HOPS="-1")

    assert result.returncode != 0
    assert "TRUSTED_PROXY_HOPS must be 0" in result.stderr
