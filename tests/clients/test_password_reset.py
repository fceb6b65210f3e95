"""Limits on password-reset mails (clients.rate_limits): per e-mail address silently, per visitor address
with HTTP 429, and never telling which addresses have an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

pytestmark = pytest.mark.django_db

URL = "/password-reset/"
DONE = "/password-reset/done/"


def ask(client, email: str, **extra):  # type: ignore[no-untyped-def]
    return client.post(URL, {"email": email}, **extra)


@pytest.fixture
def hour_start():
    """The first minute of an hour: the requests of a test fall into one counting window."""
    start = timezone.now().replace(minute=0, second=5, microsecond=0) + timedelta(hours=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def test_a_fourth_reset_for_one_address_within_the_hour_looks_the_same_but_sends_nothing(
    client, client_a_user, hour_start
):
    responses = [ask(client, client_a_user.email) for _ in range(4)]

    assert len(mail.outbox) == 3
    assert {(r.status_code, r.headers["Location"]) for r in responses} == {(302, DONE)}
    # The address counts whatever its case or spaces.
    ask(client, f"  {client_a_user.email.upper()} ")
    assert len(mail.outbox) == 3

    hour_start.shift(timedelta(hours=1))
    ask(client, client_a_user.email)
    assert len(mail.outbox) == 4


def test_the_per_address_limit_answers_the_same_for_unknown_addresses(client, client_a_user, hour_start):
    known = [ask(client, client_a_user.email) for _ in range(4)]
    unknown = [ask(client, "nobody@example.com") for _ in range(4)]

    assert [(r.status_code, r.headers["Location"]) for r in known] == [
        (r.status_code, r.headers["Location"]) for r in unknown
    ]
    page = client.get(DONE).content.decode()
    assert "Check your e-mail" in page
    assert len(mail.outbox) == 3


def test_more_than_ten_requests_from_one_visitor_in_an_hour_get_429(client, client_a_user, hour_start):
    for n in range(10):
        assert ask(client, f"someone{n}@example.com").status_code == 302

    limited = ask(client, client_a_user.email)

    assert limited.status_code == 429
    assert "Too many requests. Please try again later." in limited.content.decode()
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert mail.outbox == []
    # Another visitor is not limited, and the next hour this one is not either.
    assert ask(client, client_a_user.email, REMOTE_ADDR="198.51.100.7").status_code == 302
    hour_start.shift(timedelta(hours=1))
    assert ask(client, client_a_user.email).status_code == 302
    assert len(mail.outbox) == 2


def test_the_429_page_is_in_german_for_german_visitors(client, hour_start, settings):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS_HOUR = 1
    ask(client, "a@example.com")

    response = ask(client, "b@example.com", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 429
    assert "Zu viele Anfragen. Bitte versuchen Sie es später erneut." in response.content.decode()


def test_behind_the_proxy_the_visitor_limit_counts_the_forwarded_address(client, settings, hour_start):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.PASSWORD_RESET_MAX_PER_ADDRESS_HOUR = 2
    one = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.6"}

    assert [ask(client, "a@example.com", **one).status_code for _ in range(3)] == [302, 302, 429]
    # Every request comes from the proxy's REMOTE_ADDR; the other visitor is counted on their own.
    assert ask(client, "a@example.com", **other).status_code == 302


def test_ipv6_visitors_count_per_64_network(client, settings, hour_start):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS_HOUR = 2

    statuses = [ask(client, "a@example.com", REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code for n in (1, 2, 3)]

    assert statuses == [302, 302, 429]
    assert ask(client, "a@example.com", REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


def test_the_limits_come_from_the_settings(client, client_a_user, settings, hour_start):
    settings.PASSWORD_RESET_MAX_PER_EMAIL_HOUR = 1
    for _ in range(2):
        ask(client, client_a_user.email)
    assert len(mail.outbox) == 1


def test_a_full_report_cache_does_not_reset_the_counts(client, client_a_user, hour_start):
    for _ in range(3):
        ask(client, client_a_user.email)
    # The report cache holds a few large entries (MAX_ENTRIES 100 in production): filling it culls old ones.
    for n in range(500):
        cache.set(f"report-{n}", b"x" * 100)

    ask(client, client_a_user.email)

    assert len(mail.outbox) == 3
