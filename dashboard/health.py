"""`GET /healthz` for load balancers and monitors.

Anyone (a load balancer has no login): 200 `{"status": "ok"}` when the database answers, 503
`{"status": "unavailable"}` when it does not, and nothing more: the Kinsta company ids and sync times are
the agency's business. Staff, or a monitor sending `Authorization: Bearer <HEALTHZ_TOKEN>`, also get the
age of each account's last successful sync, so a stale mirror can raise an alert.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clients.access import is_staff
from kinsta_sync.selectors import last_success_per_account


def _may_see_details(request: HttpRequest) -> bool:
    if is_staff(request.user):
        return True
    token = settings.HEALTHZ_TOKEN
    header = request.headers.get("Authorization", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        details = _may_see_details(request)
        successes = last_success_per_account() if details else []
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    body: dict[str, object] = {"status": "ok"}
    if details:
        now = timezone.now()
        body["database"] = "ok"
        body["accounts"] = [
            {
                "company_id": company_id,
                "last_success_at": finished.isoformat() if finished else None,
                "last_success_age_seconds": round((now - finished).total_seconds()) if finished else None,
            }
            for company_id, finished in successes
        ]
    return JsonResponse(body)
