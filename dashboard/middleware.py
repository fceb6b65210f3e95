"""Project-wide response policy."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivateByDefaultMiddleware:
    """Every page here shows an agency's or a client's data: `Cache-Control: private, no-store` unless the
    view set its own (exports already say so; /healthz says never cache). No proxy or browser cache may keep
    a report page for the next person at the same computer or behind the same proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
