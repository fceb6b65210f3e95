"""Login protection: brute-force lockout (django-axes), CSRF on the login form, session cookies."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

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
