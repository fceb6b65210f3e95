"""The project's own small views: logging out with a word that it worked."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


class LogoutView(auth_views.LogoutView):
    """Django's logout, then the login page says "You are logged out." (the message outlives the session in
    the messages' cookie)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are logged out."))
        return response
