"""The fake Kinsta REST API as a plain WSGI application.

Serves the read-only endpoints a reporting client needs, shaped like Kinsta's OpenAPI document
(the copy in openapi/, see its README) and REFERENCE.md §9, with rate limiting (§8), scripted faults
(``faults.py``) and request statistics. A small unauthenticated control API under ``/__fake__/``
lets another process script it. No Django in here: the demo runs it through ``server.py``,
tests either over real HTTP or in-process with ``httpx.WSGITransport(app=FakeKinsta(...))``.

Writes (clear cache, restart PHP, …) answer 202 with an operation id and start a ``FakeOperation``
(``routes/operations.py``) that ``GET /operations/{id}`` follows; they count against the rate limit like
every call.

Here: ``FakeKinsta`` (dispatch, rate limiting, faults, the control API). The handlers are in ``routes/``
(one module per resource), the envelope, requests and responses in ``wire.py``, the counters in
``stats.py``, the agency's data in ``data.py``.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from .data import FakeAgency
from .faults import DroppedConnection, FaultPlan, can_damage, damage, huge_body
from .records import FakeEnvironment, FakeSite
from .routes import ROUTES
from .routes.operations import FakeOperation
from .stats import FakeStats, RequestRecord, SlidingWindow
from .wire import (
    MSG_5XX,
    MSG_400,
    MSG_401,
    MSG_404,
    ApiError,
    Request,
    Response,
    Route,
    bad_request,
    bearer,
    error_response,
    not_found,
    reason,
    too_many_requests,
)

__all__ = ["FakeKinsta"]


class FakeKinsta:
    """The fake Kinsta API for one agency; a WSGI callable."""

    def __init__(
        self,
        agency: FakeAgency,
        *,
        api_key: str = "fake-kinsta-key",
        requests_per_minute: int = 120,
        logs_per_minute: int = 35,
        rate_limit_headers: str = "ietf",
        analytics_status: int = 202,
        bucket_format: str = "naive",
        operation_unknown_seconds: float = 3.0,
        operation_running_seconds: float = 2.0,
        legacy_wordpress_only: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_limit_headers not in ("ietf", "x", "none"):
            raise ValueError("rate_limit_headers must be 'ietf', 'x' or 'none'")
        if bucket_format not in ("naive", "z"):
            raise ValueError("bucket_format must be 'naive' or 'z'")
        self.agency = agency
        self.api_key = api_key
        self.requests_per_minute = requests_per_minute
        self.logs_per_minute = logs_per_minute
        self.rate_limit_headers = rate_limit_headers
        self.analytics_status = analytics_status
        self.bucket_format = bucket_format
        # An operation answers 404 for its first seconds, then 202, then 200 or 500 (REFERENCE.md §6).
        self.operation_unknown_seconds = operation_unknown_seconds
        self.operation_running_seconds = operation_running_seconds
        self.operations: dict[str, FakeOperation] = {}
        # 404 on the current wp-plugins / wp-themes paths, as before Kinsta added them (REFERENCE.md §5.1).
        self.legacy_wordpress_only = legacy_wordpress_only
        self.faults = FaultPlan()
        self.stats = FakeStats(clock)
        self._clock = clock
        self._revoked = False
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], SlidingWindow] = {}
        self._routes = [(route, route.pattern) for route in ROUTES]

    # --- test helpers ----------------------------------------------------------------------------

    def revoke_key(self) -> None:
        """From now on every API call answers 401, as after revoking the key in MyKinsta."""
        self._revoked = True

    def restore_key(self) -> None:
        self._revoked = False

    def reset_rate_limits(self) -> None:
        """Forget the requests counted against the limits, as if the last one was minutes ago."""
        with self._lock:
            self._windows.clear()

    # --- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        is_control = request.path.startswith("/__fake__/")
        response = self._control(request) if is_control else self._api(request)
        status = f"{response.status} {reason(response.status)}"
        if response.stream is not None:
            # No Content-Length: the server sends it chunked, and the client learns the size by reading.
            start_response(status, [("Content-Type", "application/json; charset=utf-8"), *response.headers])
            return response.stream
        body = response.encoded()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *response.headers,
        ]
        start_response(status, headers)
        return [body]

    # --- API dispatch ----------------------------------------------------------------------------

    def _match(self, request: Request) -> Route | None:
        for route, pattern in self._routes:
            found = pattern.match(request.path)
            if found and route.method == request.method:
                request.params = found.groupdict()
                return route
        return None

    def _api(self, request: Request) -> Response:
        now = self._clock()
        route = self._match(request)
        route_name = route.template if route else "(unmatched)"
        self.stats.arrived(route_name, now)
        status = 0
        try:
            response = self._serve(request, route, now)
            status = response.status
            return response
        finally:
            self.stats.finished(RequestRecord(request.method, request.path, dict(request.query), route_name, status))

    def _serve(self, request: Request, route: Route | None, now: float) -> Response:
        """1. rate limit, 2. auth, 3. scripted faults, 4. routing + handler, 5. body faults."""
        token = bearer(request)
        allowed, limit_headers, retry_after = self._rate_limit(token, route, now)
        if not allowed:
            response = too_many_requests(retry_after)
            response.headers += limit_headers
            return response
        if self._revoked or token != self.api_key:
            response = error_response(401, MSG_401)
        else:
            response = self._authorized(request, route)
        response.headers += limit_headers
        return response

    def _authorized(self, request: Request, route: Route | None) -> Response:
        fault = self.faults.take(request.path, phase="before")
        if fault is not None:
            early = self._apply_before_fault(fault.kind, fault.seconds)
            if early is not None:
                return early
        if route is None:
            return error_response(404, MSG_404)
        try:
            response = route.handler(self, request)
        except ApiError as exc:
            return error_response(exc.status, exc.message, exc.data)
        if 200 <= response.status < 300:
            body = response.body
            fault = self.faults.take(request.path, phase="body", applies=lambda kind: can_damage(kind, body))
            if fault is not None and fault.kind == "huge_body":
                response.stream = huge_body(fault, body)
            elif fault is not None:
                response.raw = damage(fault.kind, body)
        return response

    def _apply_before_fault(self, kind: str, seconds: float) -> Response | None:
        if kind == "429":
            return too_many_requests(max(1, math.ceil(seconds or 1)))
        if kind in ("500", "502", "503"):
            return error_response(int(kind), MSG_5XX[int(kind)])
        if kind in ("slow", "timeout"):
            time.sleep(seconds)
            return None
        if kind == "reset":
            raise DroppedConnection()
        return None

    def _rate_limit(self, token: str, route: Route | None, now: float) -> tuple[bool, list[tuple[str, str]], int]:
        """Check the per-key window (and the logs window for /logs); returns the headers to send.

        Kinsta counts per company; the fake counts per bearer key, which is the same for one key.
        The logs endpoint counts against both limits; its headers describe the tighter logs window.
        """
        limits = [("api", self.requests_per_minute)]
        if route is not None and route.limit_kind == "logs":
            limits.append(("logs", self.logs_per_minute))
        with self._lock:
            windows = []
            for kind, limit in limits:
                window = self._windows.setdefault((token, kind), SlidingWindow(limit))
                window.limit = limit
                windows.append(window)
            full = [window for window in windows if not window.has_room(now)]
            if not full:
                for window in windows:
                    window.take(now)
            shown = full[0] if full else windows[-1]
            reset = shown.reset_seconds(now)
            headers = self._limit_headers(shown.limit, shown.remaining(), reset)
        return not full, headers, reset

    def _limit_headers(self, limit: int, remaining: int, reset: int) -> list[tuple[str, str]]:
        # Header spelling is INFERRED (REFERENCE.md §8); the mode lets tests cover each variant.
        if self.rate_limit_headers == "none":
            return []
        prefix = "RateLimit" if self.rate_limit_headers == "ietf" else "X-RateLimit"
        return [
            (f"{prefix}-Limit", str(limit)),
            (f"{prefix}-Remaining", str(max(remaining, 0))),
            (f"{prefix}-Reset", str(reset)),
        ]

    # --- control API -----------------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        action = request.path[len("/__fake__/") :]
        method = request.method
        if action == "faults" and method == "POST":
            return self._control_add_fault(request)
        if action == "faults" and method == "DELETE":
            self.faults.clear()
            return Response(200, {"faults": []})
        if action == "faults" and method == "GET":
            return Response(200, {"faults": self.faults.pending()})
        if action == "stats" and method == "GET":
            return Response(200, {**self.stats.as_dict(), "faults": self.faults.pending()})
        if action == "stats" and method == "DELETE":
            self.stats.reset()
            return Response(200, self.stats.as_dict())
        if action == "info" and method == "GET":
            return Response(
                200,
                {
                    "company_id": self.agency.company_id,
                    "sites": len(self.agency.active_sites()),
                    "today": self.agency.today.isoformat(),
                },
            )
        if action.startswith("remove-site/") and method == "POST":
            site_id = action[len("remove-site/") :]
            if self.agency.site(site_id) is None:
                return error_response(404, MSG_404)
            self.agency.remove_site(site_id)
            return Response(200, {"removed": site_id})
        if action.startswith("apply-update/") and method == "POST":
            # /__fake__/apply-update/<env id>/<plugin|theme>/<slug>: install its available update.
            parts = action[len("apply-update/") :].split("/", 2)
            if len(parts) != 3 or self.agency.environment(parts[0]) is None or parts[1] not in ("plugin", "theme"):
                return error_response(404, MSG_404)
            try:
                before, after = self.agency.apply_update(*parts)
            except (StopIteration, ValueError) as exc:
                return error_response(400, MSG_400, {"errors": [str(exc) or "no such plugin or theme"]})
            return Response(200, {"updated": parts[2], "from": before, "to": after})
        if action in ("revoke-key", "restore-key") and method == "POST":
            if action == "revoke-key":
                self.revoke_key()
            else:
                self.restore_key()
            return Response(200, {"revoked": self._revoked})
        return error_response(404, "Unknown control endpoint")

    def _control_add_fault(self, request: Request) -> Response:
        try:
            spec = json.loads(request.body or b"{}")
            self.faults.add(
                str(spec["kind"]),
                path=spec.get("path"),
                times=int(spec.get("times", 1)),
                after=int(spec.get("after", 0)),
                seconds=float(spec.get("seconds", 0.0)),
                size=int(spec.get("size", 0)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            return error_response(400, MSG_400, {"errors": [str(exc)]})
        return Response(201, {"faults": self.faults.pending()})

    # --- lookups shared by handlers ----------------------------------------------------------------

    def _company(self, company_id: str | None, *, param: str) -> None:
        if not company_id:
            raise bad_request(f"query parameter '{param}' is required")
        if company_id != self.agency.company_id:
            raise not_found()  # another company: Kinsta answers 404, not 403 (REFERENCE.md §1.3)

    def _site(self, request: Request) -> FakeSite:
        site = self.agency.site(request.params["site_id"])
        if site is None:
            raise not_found()
        return site

    def _environment(self, request: Request) -> FakeEnvironment:
        env = self.agency.environment(request.params["env_id"])
        if env is None:
            raise not_found()
        return env

    def _bucket(self, day: date, hour: int = 0) -> str:
        # Bucket key format is disputed (REFERENCE.md §4.3): S1 naive vs S3 ".000Z".
        stamp = f"{day.isoformat()}T{hour:02d}:00:00"
        return stamp + ".000Z" if self.bucket_format == "z" else stamp
