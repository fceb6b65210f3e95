"""Share links: a signed, expiring, revocable read-only view of one client's report without a login.

The token in the URL is `<pk>.<nonce>` signed with SECRET_KEY (django.core.signing, its own salt). A
tampered or made-up token fails the signature and is a 404; a genuine token of a revoked or expired link
is a 410 with a page that says so. Rotating SECRET_KEY invalidates every link (they are 404 then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.utils import timezone

from clients.models import Client
from dashboard.delivery.models import ShareLink

_SALT = "dashboard.share-link"
# The report query keys a link may carry (dashboard.reports.periods); anything else is dropped.
QUERY_KEYS = ("period", "start", "end", "compare")
# The link just created from a report page, shown once on that page (dashboard.reports.views).
NEW_LINK_SESSION_KEY = "new_share_link"


def share_token(link: ShareLink) -> str:
    return signing.Signer(salt=_SALT).sign(f"{link.pk}.{link.nonce}")


def share_path(link: ShareLink) -> str:
    return f"/share/{share_token(link)}/"


def clean_query(query: Any) -> dict[str, str]:
    if not hasattr(query, "get"):
        return {}
    return {key: str(query.get(key)) for key in QUERY_KEYS if query.get(key)}


def create_share_link(
    *, client: Client, query: Any, days: int, created_by: Any, note: str = "", now: datetime | None = None
) -> ShareLink:
    now = now or timezone.now()
    return ShareLink.objects.create(
        client=client,
        query=clean_query(query),
        expires_at=now + timedelta(days=days),
        created_by=created_by,
        note=note[:200],
    )


def revoke_share_link(link: ShareLink, *, by: Any) -> bool:
    """Revoke now; False when it was already revoked (the first revocation's time and author stay)."""
    return bool(
        ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=by)
    )


@dataclass(frozen=True)
class ResolvedLink:
    link: ShareLink
    state: str  # "active", "expired" or "revoked"


def resolve_share_token(token: str, *, now: datetime | None = None) -> ResolvedLink | None:
    """The link a token names and whether it may be shown; None for a forged or unknown token."""
    try:
        value = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, nonce = value.partition(".")
    if not pk.isdigit():
        return None
    link = ShareLink.objects.select_related("client").filter(pk=int(pk), nonce=nonce).first()
    if link is None:
        return None
    state = link.state(now)
    if state == "active" and not link.client.is_active:
        state = "revoked"
    return ResolvedLink(link=link, state=state)


def record_view(link: ShareLink) -> None:
    from django.db.models import F

    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1, last_viewed_at=timezone.now())


@dataclass(frozen=True)
class NewLink:
    url: str
    expires_at: datetime
    period: str


def pop_new_link(request: Any, client: Client) -> NewLink | None:
    """The share link staff just created for `client` from its report page, once (None on later visits)."""
    pk = request.session.pop(NEW_LINK_SESSION_KEY, None) if hasattr(request, "session") else None
    if not isinstance(pk, int):
        return None
    link = ShareLink.objects.filter(client=client, pk=pk).first()
    if link is None:
        return None
    from dashboard.reports.periods import describe_query

    return NewLink(
        url=request.build_absolute_uri(share_path(link)), expires_at=link.expires_at, period=describe_query(link.query)
    )
