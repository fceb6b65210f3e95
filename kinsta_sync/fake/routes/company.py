"""Company endpoints: the key's validation, users, API keys, regions and the activity log (REFERENCE.md §3)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..records import CATEGORIES
from ..wire import Request, Response, bad_request, parse_int

if TYPE_CHECKING:
    from ..app import FakeKinsta


def validate_key(app: FakeKinsta, request: Request) -> Response:
    key = app.agency.api_keys[0]
    expires = datetime.fromisoformat(key.expires_at) if key.expires_at else None
    return Response(
        200,
        {
            "name": key.name,
            # epoch milliseconds as a *string* here, unlike everywhere else (REFERENCE.md §3.1)
            "expires_at": str(int(expires.timestamp() * 1000)) if expires else None,
            "company": app.agency.company_id,
            "status": "active",
        },
    )


def company_users(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    # Each item is wrapped in a "user" object (REFERENCE.md §3.2).
    users = [
        {"user": {"id": u.id, "email": u.email, "image": u.image, "full_name": u.full_name}} for u in app.agency.users
    ]
    return Response(200, {"company": {"users": users}})


def company_api_keys(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    keys = [{"id": k.id, "name": k.name, "status": k.status, "expires_at": k.expires_at} for k in app.agency.api_keys]
    return Response(200, {"api_keys": keys})


def company_regions(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    regions = [{"name": r.name, "region": r.region} for r in app.agency.regions]
    return Response(200, {"company": {"available_regions": regions}})


def company_activity(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    query = request.query
    limit = parse_int(query.get("limit"), "limit", default=10)
    offset = parse_int(query.get("offset"), "offset", default=0)
    category = query.get("category")
    if category is not None and category not in CATEGORIES:
        raise bad_request(f"invalid category {category!r}")
    events = [
        event
        for event in app.agency.activity
        if (category is None or event.category == category)
        and ("site_id" not in query or event.site_id == query["site_id"])
        and (
            "id_initiated_by" not in query
            or (event.initiated_by is not None and event.initiated_by.id == query["id_initiated_by"])
        )
        and ("id_api_key" not in query or (event.api_key is not None and event.api_key.id == query["id_api_key"]))
    ]
    items = [_activity_json(event) for event in events[offset : offset + limit]]
    return Response(200, {"company": {"activity_logs": {"items": items, "total": len(events)}}})


def _activity_json(event: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event.id,
        "site_id": event.site_id,
        "created_at": event.created_at,
        "is_done": event.is_done,
        "has_failed": event.has_failed,
        "has_warning": event.has_warning,
        "type": event.type,
        "public_error": event.public_error,
        "ip_address": event.ip_address,
        "descriptions": list(event.descriptions),
    }
    if event.initiated_by is not None:
        user = event.initiated_by
        body["initiated_by"] = {
            "id": user.id,
            "role": user.role,
            "full_name": user.full_name,
            "first_name": user.first_name,
        }
    if event.user_agent is not None:
        browser, version, os_name = event.user_agent
        body["user_agent_info"] = {"browser_name": browser, "browser_version": version, "os_name": os_name}
    if event.api_key is not None:
        body["api_key_info"] = {"id": event.api_key.id, "name": event.api_key.name}
    return body
