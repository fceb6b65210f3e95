from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from kinsta_sync.selectors import last_success_per_account


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database answers, 503 when it does not.

    Also reports how old each account's last successful sync is, so a monitor can alert on a stale mirror.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        successes = last_success_per_account()
    except DatabaseError:
        return JsonResponse({"database": "unreachable"}, status=503)
    now = timezone.now()
    accounts = [
        {
            "company_id": company_id,
            "last_success_at": finished.isoformat() if finished else None,
            "last_success_age_seconds": round((now - finished).total_seconds()) if finished else None,
        }
        for company_id, finished in successes
    ]
    return JsonResponse({"database": "ok", "accounts": accounts})
