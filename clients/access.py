"""Who may see which client: the one place access is decided. Every report view goes through it.

- Agency staff (active staff users) see every client (inactive ones only when asked for by slug).
- A client user (a `ClientMembership`) sees only their own client, and only while it is active.
- Anonymous users, inactive users and users without a membership see nothing.
- What staff may *do* from the report pages (send reports, share links, start a sync) needs a permission
  (`require_permission`), the same as the admin's actions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from clients.models import Client, ClientMembership


def is_staff(user: Any) -> bool:
    """Agency staff: an active, logged-in staff user."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def require_staff(user: Any) -> None:
    """Http404 unless the user is agency staff: 404, not 403, so a client user learns nothing of staff pages."""
    if not is_staff(user):
        raise Http404("No such page.")


# The actions staff take from the report pages, each behind a permission (the same ones the admin uses).
PERM_SEND_REPORTS = "delivery.send_report"
PERM_CREATE_SHARE_LINKS = "delivery.add_sharelink"
PERM_REVOKE_SHARE_LINKS = "delivery.change_sharelink"
PERM_START_SYNC = "kinsta_sync.sync_kinstaaccount"


def require_permission(user: Any, permission: str) -> None:
    """Staff only (404 for anyone else, as require_staff), and among staff only those with `permission` (403)."""
    require_staff(user)
    if not user.has_perm(permission):
        raise PermissionDenied(f"This needs the permission {permission!r}.")


def client_for_member(user: Any) -> Client | None:
    """The active client a (non-staff) client user belongs to, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        membership = ClientMembership.objects.select_related("client").get(user=user)
    except ClientMembership.DoesNotExist:
        return None
    return membership.client if membership.client.is_active else None


def visible_clients(user: Any) -> QuerySet[Client]:
    if is_staff(user):
        return Client.objects.filter(is_active=True)
    member_of = client_for_member(user)
    if member_of is None:
        return Client.objects.none()
    return Client.objects.filter(pk=member_of.pk)


def can_view_client(user: Any, client: Client) -> bool:
    if is_staff(user):
        return True
    member_of = client_for_member(user)
    return member_of is not None and member_of.pk == client.pk


def get_client_for_user(user: Any, slug: str) -> Client:
    """The client with this slug if the user may see it; Http404 otherwise (never 403: ids don't leak)."""
    client = Client.objects.filter(slug=slug).first()
    if client is None or not can_view_client(user, client):
        raise Http404("No such client.")
    return client
