"""Login throttling (django-axes) for logins through a web request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for web logins.

    Every web login (our login page, the admin's, password forms) passes the request. A call without one
    is not a web login (the shell, Django's test client): there is no client address to throttle, so the
    check is skipped instead of failing as the stock backend does.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
