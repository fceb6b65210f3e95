"""Every failure talking to Kinsta is a ``KinstaError``; the subclasses say what kind (STYLE 5.3).

``permanent`` tells the caller (and the transport's retry loop) that repeating the same call will not help.
Plain Python: no Django imports.
"""

from __future__ import annotations

__all__ = ["KinstaAuthError", "KinstaError", "KinstaNotFound", "KinstaRateLimited", "KinstaResponseError"]


class KinstaError(Exception):
    """Any failure talking to Kinsta. ``permanent`` means retrying the same call will not help.

    ``reached``: False when the last attempt certainly never reached Kinsta (it could not connect, or was
    refused with 429, which Kinsta does not execute), so a write may safely be sent again; None when unknown.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        status: int | None = None,
        permanent: bool = False,
        reached: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status
        self.permanent = permanent
        self.reached = reached


class KinstaAuthError(KinstaError):
    """401: missing, invalid, revoked or expired key (REFERENCE §1.3). Permanent."""


class KinstaNotFound(KinstaError):
    """404: unknown id **or** no permission; Kinsta uses 404, not 403, for both (REFERENCE §1.3).

    Permanent.
    """


class KinstaRateLimited(KinstaError):
    """429 (or a "too many requests" body) still answered after the allowed retries."""


class KinstaResponseError(KinstaError):
    """The body is not JSON, or lacks a required field, or holds a non-numeric value.

    Not retried: the same request would most likely get the same body. ``field`` is the JSON path of the
    first problem, e.g. ``company.sites[3].id``. ``item_id`` is the id of the list item the problem is in,
    when that id itself could be read (a site with a broken environment still names its site).
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        status: int | None = None,
        field: str | None = None,
        permanent: bool = True,
        item_id: str | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, status=status, permanent=permanent)
        self.field = field
        self.item_id = item_id
