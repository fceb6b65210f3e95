"""WordPress inside an environment (REFERENCE.md §5.1, §5.2): installed plugins and themes in the current
(``wp-plugins`` / ``wp-themes``) and the deprecated (``plugins`` / ``themes``) shapes, and backups.

``FakeKinsta(legacy_wordpress_only=True)`` answers 404 on the current paths, as Kinsta did before
January 2026 (and as a client must expect from any deployment that lags behind).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..gen_wordpress import FakeInstalled
from ..wire import Request, Response, not_found

if TYPE_CHECKING:
    from ..app import FakeKinsta


def _current_item(item: FakeInstalled, kind: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": item.name,
        "title": item.title,
        "status": item.status,
        "version": item.version,
        "update": "available" if item.update_version else "none",
        "update_version": item.update_version,
        "is_version_vulnerable": item.is_version_vulnerable,
        "auto_update_type": item.auto_update_type,
    }
    if kind == "plugin":  # themes lack it in the one client that reads this shape (REFERENCE.md §5.1)
        body["is_update_version_vulnerable"] = item.is_update_version_vulnerable
    return body


def _legacy_item(item: FakeInstalled) -> dict[str, Any]:
    # Every key is required by the OpenAPI document; no vulnerability flags in this shape.
    return {
        "name": item.name,
        "title": item.title,
        "status": item.status,
        "version": item.version,
        "update": "available" if item.update_version else "none",
        "update_version": item.update_version,
        "update_status": None,
    }


def _installed_handler(kind: str, *, legacy: bool):  # type: ignore[no-untyped-def]
    def handler(app: FakeKinsta, request: Request) -> Response:
        if not legacy and app.legacy_wordpress_only:
            raise not_found()
        env = app._environment(request)
        items = app.agency.wordpress(env.id).items(kind)
        if legacy:
            body = {
                "environment": {
                    "id": env.id,
                    "container_info": {
                        "id": env.container_id,
                        f"wp_{kind}s": {"data": [_legacy_item(i) for i in items]},
                    },
                }
            }
        else:
            body = {"environment": {f"{kind}s": {"items": [_current_item(i, kind) for i in items]}}}
        return Response(200, body)

    return handler


def environment_backups(app: FakeKinsta, request: Request) -> Response:
    env = app._environment(request)
    backups = [
        {"id": b.id, "name": b.name, "note": b.note, "type": b.type, "created_at": b.created_at}
        for b in app.agency.wordpress(env.id).backups
    ]
    return Response(200, {"environment": {"display_name": env.display_name, "backups": backups}})
