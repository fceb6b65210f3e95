"""What every page's layout (templates/base.html) shows: the agency's name and logo in the header and title."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from clients.logos import agency_logo_url
from clients.models import AgencyBranding


def current_branding() -> AgencyBranding:
    """The agency's branding as saved, or the defaults when nobody saved it yet: reading a page writes nothing
    (AgencyBranding.get() would create the row)."""
    return AgencyBranding.objects.filter(pk=AgencyBranding.SINGLETON_PK).first() or AgencyBranding()


def _branding(request: HttpRequest) -> dict[str, str]:
    branding = current_branding()
    # The logo view answers logged-in users only: the login page shows the name alone.
    logo = agency_logo_url(branding) if request.user.is_authenticated else ""
    return {"name": branding.name, "logo_url": logo}


def branding(request: HttpRequest) -> dict[str, Any]:
    """`branding.name` and `branding.logo_url` (empty without a logo, or for a visitor not logged in).

    Lazy: a response that renders no page (a redirect, a download) reads nothing from the database.
    """
    return {"branding": SimpleLazyObject(lambda: _branding(request))}
