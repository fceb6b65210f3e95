"""What several admin pages share: the mapping plan of the page being rendered, who may assign sites, and the
logo input."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib.admin.widgets import AdminFileWidget
from django.http import HttpRequest

from clients.logos import agency_logo_url, client_logo_url
from clients.mapping import MappingPlan
from clients.models import AgencyBranding

# The mapping plan of the page being rendered, so list columns can show what the rules would do without
# recomputing it per row. A ContextVar: each request thread sees its own.
current_plan: ContextVar[MappingPlan | None] = ContextVar("current_plan", default=None)


def can_assign(request: HttpRequest) -> bool:
    return request.user.has_perms(["clients.add_siteassignment", "clients.change_siteassignment"])


class _CurrentLogo:
    """The stored logo as the file input shows it: its file name, linked to the app's logo URL."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __str__(self) -> str:
        return self.name


class LogoInput(AdminFileWidget):
    """The admin's file input whose "Currently:" link opens the logo where the app serves it (clients.logos):
    nothing serves MEDIA_ROOT, so the stored file's own URL would answer 404."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        instance = getattr(value, "instance", None)
        if context["widget"]["is_initial"] and instance is not None:
            url = agency_logo_url(instance) if isinstance(instance, AgencyBranding) else client_logo_url(instance)
            context["widget"]["value"] = _CurrentLogo(str(value), url)
        return context
