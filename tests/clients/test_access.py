"""The one access function: staff see every client, a client user only their own, everyone else nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from clients.access import can_view_client, client_for_member, get_client_for_user, visible_clients


def test_it_shows_staff_every_active_client(staff_user, client_a, client_b):
    assert set(visible_clients(staff_user)) == {client_a, client_b}
    assert can_view_client(staff_user, client_a) and can_view_client(staff_user, client_b)
    assert get_client_for_user(staff_user, "globex") == client_b


def test_it_lets_staff_open_an_inactive_client_but_not_list_it(staff_user, client_a, client_b):
    client_b.is_active = False
    client_b.save()
    assert list(visible_clients(staff_user)) == [client_a]
    assert get_client_for_user(staff_user, "globex") == client_b


def test_it_shows_a_client_user_only_their_own_client(client_a_user, client_a, client_b):
    assert list(visible_clients(client_a_user)) == [client_a]
    assert can_view_client(client_a_user, client_a)
    assert get_client_for_user(client_a_user, "acme") == client_a
    assert client_for_member(client_a_user) == client_a


def test_it_hides_other_clients_from_a_client_user(client_a_user, client_b_user, client_a, client_b):
    assert not can_view_client(client_a_user, client_b)
    assert not can_view_client(client_b_user, client_a)
    with pytest.raises(Http404):
        get_client_for_user(client_a_user, "globex")
    with pytest.raises(Http404):
        get_client_for_user(client_b_user, "acme")


def test_it_answers_404_for_an_unknown_slug_whoever_asks(staff_user, client_a_user):
    for user in (staff_user, client_a_user):
        with pytest.raises(Http404):
            get_client_for_user(user, "no-such-client")


def test_it_shows_anonymous_users_nothing(client_a, client_b):
    anonymous = AnonymousUser()
    assert list(visible_clients(anonymous)) == []
    assert not can_view_client(anonymous, client_a)
    assert client_for_member(anonymous) is None
    with pytest.raises(Http404):
        get_client_for_user(anonymous, "acme")


def test_it_shows_a_user_without_membership_nothing(other_user, client_a):
    assert list(visible_clients(other_user)) == []
    assert not can_view_client(other_user, client_a)
    with pytest.raises(Http404):
        get_client_for_user(other_user, "acme")


def test_it_locks_client_users_out_of_an_inactive_client(client_a_user, client_a):
    client_a.is_active = False
    client_a.save()
    assert list(visible_clients(client_a_user)) == []
    assert client_for_member(client_a_user) is None
    with pytest.raises(Http404):
        get_client_for_user(client_a_user, "acme")


def test_it_locks_out_deactivated_users(client_a_user, staff_user, client_a):
    for user in (client_a_user, staff_user):
        user.is_active = False
        user.save()
        assert list(visible_clients(user)) == []
        assert not can_view_client(user, client_a)
