"""Writes that start an operation, and ``GET /operations/{operation_id}`` (REFERENCE.md §1.4, §6, §7).

Each write answers 202 ``{"operation_id": "<prefix>-<uuid>", "message", "status": 202}`` and records a
``FakeOperation``. Polled, an operation answers 404 for its first ``operation_unknown_seconds`` (Kinsta
has not registered it yet), then 202 for ``operation_running_seconds``, then 200 "finished" or, when an
``operation_fails`` fault was armed for the write's path, 500. HTTP code and body ``status`` agree (S1).
The times are on the app's clock, so tests on a fake clock move them. Writes pass the same rate limit
as every call (``FakeKinsta._rate_limit``).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..wire import MSG_5XX, Request, Response, bad_request, error_response, not_found

if TYPE_CHECKING:
    from ..app import FakeKinsta

MSG_RUNNING = "Operation in progress"
MSG_DONE = "Successfully finished request"


@dataclass
class FakeOperation:
    id: str
    kind: str  # the write's path, e.g. "/sites/tools/clear-cache"
    environment_id: str
    started_at: float  # on the app's clock
    fails: bool
    polls: int = 0
    # Run once when the operation is first answered as finished (a plugin update installs the new version).
    on_done: Callable[[], None] | None = None

    def answer(self, app: FakeKinsta, now: float) -> Response:
        self.polls += 1
        age = now - self.started_at
        if age < app.operation_unknown_seconds:
            return error_response(404, "Could not find data or the user does not have permissions to retrieve it")
        if age < app.operation_unknown_seconds + app.operation_running_seconds:
            return Response(202, {"status": 202, "message": MSG_RUNNING, "data": None})
        if self.fails:
            return Response(500, {"status": 500, "message": MSG_5XX[500], "data": None})
        if self.on_done is not None:
            with app._lock:
                on_done, self.on_done = self.on_done, None
            if on_done is not None:
                on_done()
        return Response(200, {"status": 200, "message": MSG_DONE, "data": None})


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise bad_request(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    return body


def _start(
    app: FakeKinsta,
    request: Request,
    env_id: str,
    prefix: str,
    message: str,
    on_done: Callable[[], None] | None = None,
) -> Response:
    if app.agency.environment(env_id) is None:
        raise not_found()
    fault = app.faults.take(request.path, phase="operation")
    operation = FakeOperation(
        id=f"{prefix}-{uuid.uuid4()}",
        kind=request.path,
        environment_id=env_id,
        started_at=app._clock(),
        fails=fault is not None,
        on_done=on_done,
    )
    with app._lock:
        app.operations[operation.id] = operation
    return Response(202, {"operation_id": operation.id, "message": message, "status": 202})


def _environment_id(body: dict[str, Any]) -> str:
    env_id = body.get("environment_id")
    if not isinstance(env_id, str) or not env_id:
        raise bad_request("body field 'environment_id' is required")
    return env_id


def clear_cache(app: FakeKinsta, request: Request) -> Response:
    env_id = _environment_id(_json_body(request))
    return _start(app, request, env_id, "cache:clear", "Clearing site cache in progress")


def restart_php(app: FakeKinsta, request: Request) -> Response:
    env_id = _environment_id(_json_body(request))
    return _start(app, request, env_id, "php:restart", "Restarting PHP in progress")


def clear_cdn_cache(app: FakeKinsta, request: Request) -> Response:
    body = _json_body(request)
    env_id = _environment_id(body)
    env = app.agency.environment(env_id)
    if env is not None and (not body.get("cdn_cache_id") or body.get("cdn_cache_id") != env.cdn_cache_id):
        raise bad_request("body field 'cdn_cache_id' does not match the environment's CDN cache")
    return _start(app, request, env_id, "cdn-cache:clear", "Clearing CDN cache in progress")


def clear_edge_cache(app: FakeKinsta, request: Request) -> Response:
    env_id = _environment_id(_json_body(request))
    return _start(app, request, env_id, "edgeCache:clear", "Clearing edge cache in progress")


def manual_backup(app: FakeKinsta, request: Request) -> Response:
    body = _json_body(request)
    if not isinstance(body.get("tag", ""), str):
        raise bad_request("body field 'tag' must be a string")
    return _start(app, request, request.params["env_id"], "backups:add-manual", "Adding a manual backup in progress")


def _update_item(kind: str) -> Callable[[FakeKinsta, Request], Response]:
    """``PUT /sites/environments/{env_id}/plugins`` (or ``themes``) with ``name`` and ``update_version``
    (REFERENCE §7): 202 ``wp-plugin:update-…``; when the operation ends well the update is installed, so
    the next read of the plugins lists the new version."""

    def handler(app: FakeKinsta, request: Request) -> Response:
        body = _json_body(request)
        env_id = request.params["env_id"]
        name, version = body.get("name"), body.get("update_version")
        if not isinstance(name, str) or not name:
            raise bad_request("body field 'name' is required")
        if not isinstance(version, str) or not version:
            raise bad_request("body field 'update_version' is required")
        if app.agency.environment(env_id) is None:
            raise not_found()
        item = next((i for i in app.agency._wordpress[env_id].items(kind) if i.name == name), None)
        if item is None:
            raise bad_request(f"{kind} {name!r} is not installed on this environment")
        if item.update_version != version:
            raise bad_request(f"{kind} {name!r} has no update to version {version!r}")

        def install() -> None:
            with contextlib.suppress(ValueError, StopIteration):  # updated or removed meanwhile
                app.agency.apply_update(env_id, kind, name)

        return _start(app, request, env_id, f"wp-{kind}:update", f"Updating {kind} in progress", on_done=install)

    return handler


update_plugin = _update_item("plugin")
update_theme = _update_item("theme")


def get_operation(app: FakeKinsta, request: Request) -> Response:
    with app._lock:
        operation = app.operations.get(request.params["operation_id"])
    if operation is None:
        raise not_found()
    return operation.answer(app, app._clock())
