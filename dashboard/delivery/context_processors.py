"""What delivery adds to pages it does not own: the share link staff just created from a client's report.

The report page (dashboard.reports) knows nothing of delivery (imports point the other way): the link is
found here, by the page's URL name, and the report's export actions show it once.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clients.access import is_staff
from clients.models import Client
from dashboard.delivery.sharing import NEW_LINK_SESSION_KEY, pop_new_link


def new_share_link(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    session = getattr(request, "session", None)
    if match is None or match.url_name != "reports-client" or session is None or NEW_LINK_SESSION_KEY not in session:
        return {}
    if not is_staff(request.user):
        return {}
    client = Client.objects.filter(slug=match.kwargs.get("slug", "")).first()
    return {"new_share_link": pop_new_link(request, client)} if client is not None else {}
