"""Write calls that start an operation, and the polling of ``/operations/{id}`` (REFERENCE §1.4, §6, §7).

Each write answers 202 (some 200) with ``{"operation_id", "message", "status"}``. The operation is then
polled until it is done or failed: its first polls may answer 404 while Kinsta has not registered it yet
(the grace period), and the outcome is decided on the body's ``status`` with the HTTP code as fallback,
because sources disagree on whether terminal states come as distinct HTTP codes or always as 200 (§6).

Writes go through the client's transport, so they spend the same per-company rate budget as the reads
(``limits.py``) and are never repeated once they may have reached Kinsta (a repeat would start a second
operation). Plain Python: no Django imports.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kinsta_sync.api.errors import KinstaResponseError

if TYPE_CHECKING:
    from kinsta_sync.api.client import KinstaClient

__all__ = [
    "ACTIONS",
    "OPERATION_DONE",
    "OPERATION_FAILED",
    "OPERATION_RUNNING",
    "OPERATION_UNKNOWN",
    "ActionCall",
    "OperationStarted",
    "OperationState",
    "OperationTimedOut",
    "get_operation",
    "start_action",
    "wait_for_operation",
]

OPERATION_UNKNOWN = "unknown"  # 404: not registered yet (or never will be)
OPERATION_RUNNING = "running"
OPERATION_DONE = "done"
OPERATION_FAILED = "failed"


@dataclass(frozen=True)
class ActionCall:
    """One write of REFERENCE §7: method, path template, and whether it needs the CDN cache id."""

    method: str
    path: str
    needs_cdn_cache_id: bool = False
    needs_item: bool = False  # a plugin or theme update: body ``name`` and ``update_version``


# The action names of the CLI (`site_action ACTION`), the Slack command and the forms.
ACTIONS: Mapping[str, ActionCall] = {
    "clear-cache": ActionCall("POST", "/sites/tools/clear-cache"),
    "restart-php": ActionCall("POST", "/sites/tools/restart-php"),
    "clear-cdn-cache": ActionCall("POST", "/sites/cdn/clear-cache", needs_cdn_cache_id=True),
    "clear-edge-cache": ActionCall("POST", "/sites/edge-caching/clear"),
    "manual-backup": ActionCall("POST", "/sites/environments/{env_id}/manual-backups"),
    "update-plugin": ActionCall("PUT", "/sites/environments/{env_id}/plugins", needs_item=True),
    "update-theme": ActionCall("PUT", "/sites/environments/{env_id}/themes", needs_item=True),
}


@dataclass(frozen=True)
class OperationStarted:
    operation_id: str
    message: str


@dataclass(frozen=True)
class OperationState:
    """One poll's answer: ``state`` is one of OPERATION_*; ``status`` the body's (or the HTTP) code."""

    operation_id: str
    state: str
    status: int
    message: str

    @property
    def finished(self) -> bool:
        return self.state in (OPERATION_DONE, OPERATION_FAILED)


class OperationTimedOut(Exception):
    """The operation was still unknown after the grace period, or still running at the deadline."""

    def __init__(self, message: str, *, last: OperationState | None) -> None:
        super().__init__(message)
        self.last = last


def _text(value: Any, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""


def start_action(
    client: KinstaClient,
    action: str,
    *,
    environment_id: str,
    cdn_cache_id: str | None = None,
    backup_tag: str = "",
    item_name: str = "",
    item_version: str = "",
) -> OperationStarted:
    """Send the write for ``action`` on one environment; returns the operation it started.

    A plugin or theme update (``update-plugin``, ``update-theme``) sends ``item_name`` (the slug) and
    ``item_version`` (the version to install) as the body's ``name`` and ``update_version``.
    Raises ``ValueError`` for an unknown action, a CDN clear without the CDN cache id or an update without
    name and version, and a
    ``KinstaError`` when Kinsta refuses (400, 401, 404) or the answer carries no operation id.
    """
    call = ACTIONS.get(action)
    if call is None:
        raise ValueError(f"unknown action {action!r}; expected one of {sorted(ACTIONS)}")
    body: dict[str, Any] = {}
    path_params: dict[str, str] = {}
    if call.needs_item:
        if not item_name or not item_version:
            raise ValueError(f"{action} needs the plugin's or theme's name and the version to install")
        path_params["env_id"] = environment_id
        body["name"] = item_name
        body["update_version"] = item_version
    elif "{env_id}" in call.path:
        path_params["env_id"] = environment_id
        body["tag"] = backup_tag
    else:
        body["environment_id"] = environment_id
    if call.needs_cdn_cache_id:
        if not cdn_cache_id:
            raise ValueError(f"{action} needs the environment's CDN cache id")
        body["cdn_cache_id"] = cdn_cache_id
    endpoint = f"{call.method} {call.path}"
    status, doc = client._request(call.method, call.path, path_params=path_params, json=body)
    operation_id = doc.get("operation_id") if isinstance(doc, dict) else None
    if not isinstance(operation_id, str) or not operation_id.strip():
        raise KinstaResponseError(
            f"{endpoint}: HTTP {status}: the answer has no operation_id",
            endpoint=endpoint,
            status=status,
            field="operation_id",
        )
    return OperationStarted(operation_id=operation_id.strip()[:255], message=_text(doc.get("message")))


def _body_status(doc: Any, http_status: int) -> int:
    raw = doc.get("status") if isinstance(doc, dict) else None
    if isinstance(raw, bool):
        return http_status
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return http_status


def get_operation(client: KinstaClient, operation_id: str) -> OperationState:
    """One poll of ``GET /operations/{operation_id}`` (REFERENCE §6).

    The body's ``status`` decides (HTTP code as fallback): 200 done, 202 running, 404 unknown, anything
    else failed. A 500 is an answer here ("failed"), not a transport error to retry.
    """
    http_status, doc = client._request(
        "GET", "/operations/{operation_id}", path_params={"operation_id": operation_id}, answer_statuses=(404, 500)
    )
    status = _body_status(doc, http_status)
    if status == 200:
        state = OPERATION_DONE
    elif status == 202:
        state = OPERATION_RUNNING
    elif status == 404:
        state = OPERATION_UNKNOWN
    else:
        state = OPERATION_FAILED
    message = _text(doc.get("message")) if isinstance(doc, dict) else ""
    return OperationState(operation_id=operation_id, state=state, status=status, message=message)


def wait_for_operation(
    client: KinstaClient,
    operation_id: str,
    *,
    not_found_grace: float = 30.0,
    timeout: float = 900.0,
    interval: float = 3.0,
    on_poll: Callable[[OperationState], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> OperationState:
    """Poll until the operation is done or failed; returns that last state.

    A 404 counts as "not registered yet" for ``not_found_grace`` seconds from the first poll; after that,
    or when it is still running ``timeout`` seconds after the first poll, ``OperationTimedOut`` is raised.
    ``on_poll`` sees every state (a worker renews its lease there; whatever it raises ends the wait).
    """
    started = clock()
    while True:
        state = get_operation(client, operation_id)
        if on_poll is not None:
            on_poll(state)
        if state.finished:
            return state
        waited = clock() - started
        if state.state == OPERATION_UNKNOWN and waited >= not_found_grace:
            raise OperationTimedOut(f"operation {operation_id} still unknown (404) after {waited:.0f}s", last=state)
        if waited >= timeout:
            raise OperationTimedOut(f"operation {operation_id} still running after {waited:.0f}s", last=state)
        sleep(interval)
