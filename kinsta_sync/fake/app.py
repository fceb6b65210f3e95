"""The fake Kinsta REST API as a plain WSGI application.

Serves the read-only endpoints a reporting client needs, shaped like Kinsta's OpenAPI document
(the copy in openapi/, see its README) and REFERENCE.md §9, with rate limiting (§8), scripted faults
(``faults.py``) and request statistics. A small unauthenticated control API under ``/__fake__/``
lets another process script it. No Django in here: the demo runs it through ``server.py``,
tests either over real HTTP or in-process with ``httpx.WSGITransport(app=FakeKinsta(...))``.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from .data import CATEGORIES, FakeAgency, FakeEnvironment, FakeSite, Ref
from .faults import DroppedConnection, FaultPlan, can_damage, damage, huge_body

WINDOW_SECONDS = 60.0

# Error messages of the S1 envelope (REFERENCE.md §1.3).
MSG_400 = "Bad request format"
MSG_401 = "No or invalid API key provided to the request"
MSG_404 = "Could not find data or the user does not have permissions to retrieve it"
MSG_429 = "Too many requests, please try again later."
MSG_5XX = {
    500: "Error occurred while processing your request",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
}

# Series key / name per analytics metric (REFERENCE.md §4.3; cdn-bandwidth as in S1's example).
ANALYTICS_KEYS = {"visits": "uniqueip", "bandwidth": "bandwidth", "cdn-bandwidth": "cdn-bandwidth",
                  "diskspace": "diskSpaceUsage"}
TIME_SPANS = {"24_hours": 1, "7_days": 7, "30_days": 30, "60_days": 60}
MAX_RANGE_DAYS = 60  # INFERRED: the longest time_span; Kinsta's real maximum is UNKNOWN (§4.3)
TIME_ZONE_RE = re.compile(r"^-?(0[0-9]|1[0-4]):00$")  # the pattern S1 declares for diskspace
LOG_FILES = ("error", "access", "kinsta-cache-perf")
MAX_LOG_LINES = 20000
# Share of a day's traffic per UTC hour, for the hourly buckets of time_span=24_hours (INFERRED).
_HOURLY = [1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5, 4, 3, 2, 2]


class ApiError(Exception):
    """Turned into the ``{"message", "status", "data"}`` envelope by the dispatcher."""

    def __init__(self, status: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.data = status, message, data


def bad_request(detail: str) -> ApiError:
    # What Kinsta puts in `data` for validation errors is UNKNOWN (§1.3); a readable hint helps.
    return ApiError(400, MSG_400, {"errors": [detail]})


def not_found() -> ApiError:
    return ApiError(404, MSG_404)


@dataclass
class Request:
    method: str
    path: str  # without the optional "/v2" prefix
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        path = environ.get("PATH_INFO") or "/"
        if path == "/v2" or path.startswith("/v2/"):
            path = path[3:] or "/"
        if len(path) > 1:
            path = path.rstrip("/")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        return cls(environ.get("REQUEST_METHOD", "GET").upper(), path, query, headers, body)


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes | None = None  # overrides `body` (malformed_json)
    stream: Iterable[bytes] | None = None  # overrides both, sent as it is generated (huge_body)

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False).encode()


def error_response(status: int, message: str, data: Any = None) -> Response:
    return Response(status, {"message": message, "status": status, "data": data})


def too_many_requests(retry_after: int) -> Response:
    # Body as in S3's fixture, without "data" (REFERENCE.md §1.3); Retry-After in whole seconds.
    return Response(429, {"status": 429, "message": MSG_429}, [("Retry-After", str(retry_after))])


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    route: str
    status: int  # 0 = connection dropped by a "reset" fault


class FakeStats:
    """Thread-safe counters of the API requests the fake received (control calls excluded)."""

    MAX_LOG = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.throttled = 0
            self.max_rate_per_minute = 0
            self._by_path: Counter[str] = Counter()
            self._arrivals: deque[float] = deque()
            self._log: deque[RequestRecord] = deque(maxlen=self.MAX_LOG)

    @property
    def by_path(self) -> Counter[str]:
        """Requests per route template, e.g. ``/sites/{site_id}``; a copy."""
        with self._lock:
            return Counter(self._by_path)

    @property
    def log(self) -> list[RequestRecord]:
        """The last requests received (up to MAX_LOG), oldest first; a copy."""
        with self._lock:
            return list(self._log)

    def arrived(self, route: str, now: float) -> None:
        with self._lock:
            self.requests += 1
            self._by_path[route] += 1
            self._arrivals.append(now)
            while self._arrivals and self._arrivals[0] <= now - WINDOW_SECONDS:
                self._arrivals.popleft()
            self.max_rate_per_minute = max(self.max_rate_per_minute, len(self._arrivals))

    def finished(self, record: RequestRecord) -> None:
        with self._lock:
            if record.status == 429:
                self.throttled += 1
            self._log.append(record)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "throttled": self.throttled,
                    "max_rate_per_minute": self.max_rate_per_minute, "by_path": dict(self._by_path)}


class SlidingWindow:
    """Sliding 60-second log of accepted requests (REFERENCE.md §8: N per minute per company).

    Rejected requests are not logged, so a client that honours Retry-After gets back in.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._stamps: deque[float] = deque()

    def has_room(self, now: float) -> bool:
        while self._stamps and self._stamps[0] <= now - WINDOW_SECONDS:
            self._stamps.popleft()
        return len(self._stamps) < self.limit

    def take(self, now: float) -> None:
        self._stamps.append(now)

    def remaining(self) -> int:
        return max(self.limit - len(self._stamps), 0)

    def reset_seconds(self, now: float) -> int:
        """Whole seconds until the oldest request leaves the window (a slot frees), at least 1."""
        if not self._stamps:
            return 1
        return max(1, math.ceil(self._stamps[0] + WINDOW_SECONDS - now))


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[[FakeKinsta, Request], Response]
    limit_kind: str = "api"  # "logs" has its own, tighter limit (REFERENCE.md §5.3)

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.template)


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{regex}$")


class FakeKinsta:
    """The fake Kinsta API for one agency; a WSGI callable."""

    def __init__(self, agency: FakeAgency, *, api_key: str = "fake-kinsta-key",
                 requests_per_minute: int = 120, logs_per_minute: int = 35,
                 rate_limit_headers: str = "ietf", analytics_status: int = 202,
                 bucket_format: str = "naive", clock: Callable[[], float] = time.monotonic) -> None:
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
        status = f"{response.status} {_reason(response.status)}"
        if response.stream is not None:
            # No Content-Length: the server sends it chunked, and the client learns the size by reading.
            start_response(status, [("Content-Type", "application/json; charset=utf-8"), *response.headers])
            return response.stream
        body = response.encoded()
        headers = [("Content-Type", "application/json; charset=utf-8"),
                   ("Content-Length", str(len(body))), *response.headers]
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
            self.stats.finished(RequestRecord(request.method, request.path, dict(request.query),
                                              route_name, status))

    def _serve(self, request: Request, route: Route | None, now: float) -> Response:
        """1. rate limit, 2. auth, 3. scripted faults, 4. routing + handler, 5. body faults."""
        token = _bearer(request)
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
        return [(f"{prefix}-Limit", str(limit)), (f"{prefix}-Remaining", str(max(remaining, 0))),
                (f"{prefix}-Reset", str(reset))]

    # --- control API -----------------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        action = request.path[len("/__fake__/"):]
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
            return Response(200, {"company_id": self.agency.company_id,
                                  "sites": len(self.agency.active_sites()),
                                  "today": self.agency.today.isoformat()})
        if action.startswith("remove-site/") and method == "POST":
            site_id = action[len("remove-site/"):]
            if self.agency.site(site_id) is None:
                return error_response(404, MSG_404)
            self.agency.remove_site(site_id)
            return Response(200, {"removed": site_id})
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
            self.faults.add(str(spec["kind"]), path=spec.get("path"), times=int(spec.get("times", 1)),
                            after=int(spec.get("after", 0)), seconds=float(spec.get("seconds", 0.0)),
                            size=int(spec.get("size", 0)))
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


# --- JSON shapes ---------------------------------------------------------------------------------


def _domain_json(domain: Ref, env: FakeEnvironment) -> dict[str, Any]:
    # S1 builds the environment domain from the company DNS Domain + {type}: emit all five keys.
    return {"id": domain.id, "name": domain.name, "site_id": env.site_id, "is_active": True, "type": env.name}


def _short_environment_json(env: FakeEnvironment) -> dict[str, Any]:
    return {
        "id": env.id,
        "name": env.name,
        "display_name": env.display_name,
        "is_premium": env.is_premium,
        "is_blocked": env.is_blocked,
        "domains": [_domain_json(d, env) for d in env.domains],
        "primaryDomain": _domain_json(env.primary_domain, env),  # camelCase (REFERENCE.md §4.1)
    }


def _environment_json(env: FakeEnvironment) -> dict[str, Any]:
    return {
        "id": env.id,
        "name": env.name,
        "display_name": env.display_name,
        "is_blocked": env.is_blocked,
        "id_edge_cache": env.id_edge_cache,
        "cdn_cache_id": env.cdn_cache_id,
        "is_opt_out_from_automatic_php_update": env.is_opt_out_from_automatic_php_update,
        "web_root": env.web_root,
        "image_optimization_type": env.image_optimization_type,
        "is_additional_sftp_accounts_enabled": env.is_additional_sftp_accounts_enabled,
        "is_premium": env.is_premium,
        "wordpress_version": env.wordpress_version,
        "domains": [_domain_json(d, env) for d in env.domains],
        "primaryDomain": _domain_json(env.primary_domain, env),
        "ssh_connection": {"ssh_port": env.ssh_port, "ssh_ip": {"external_ip": env.ssh_ip}},
        "container_info": {"id": env.container_id, "php_engine_version": env.php_version},
    }


def _label_json(label: Ref) -> dict[str, Any]:
    # The document says string; public recordings of real responses show numbers ({"id": 3335, ...}). Where
    # the two disagree the fake serves both: a label id of digits only (AgencySpec.numeric_label_ids) goes
    # out as a JSON number, every other one as a string. tests/kinsta_sync/test_fake_contract.py allows exactly this.
    return {"id": int(label.id) if label.id.isdigit() else label.id, "name": label.name}


def _site_list_json(site: FakeSite, include_environments: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "display_name": site.display_name,
        "status": site.status,
        "siteLabels": [_label_json(label) for label in site.labels],
    }
    if include_environments:
        body["environments"] = [_environment_json(env) for env in site.environments]
    return body


# --- handlers --------------------------------------------------------------------------------------


def validate_key(app: FakeKinsta, request: Request) -> Response:
    key = app.agency.api_keys[0]
    expires = datetime.fromisoformat(key.expires_at) if key.expires_at else None
    return Response(200, {
        "name": key.name,
        # epoch milliseconds as a *string* here, unlike everywhere else (REFERENCE.md §3.1)
        "expires_at": str(int(expires.timestamp() * 1000)) if expires else None,
        "company": app.agency.company_id,
        "status": "active",
    })


def list_sites(app: FakeKinsta, request: Request) -> Response:
    # /sites takes the company as `company`, analytics as `company_id` (REFERENCE.md §1.2).
    app._company(request.query.get("company"), param="company")
    include = _parse_bool(request.query.get("include_environments"), "include_environments")
    sites = [_site_list_json(site, include) for site in app.agency.active_sites()]
    return Response(200, {"company": {"sites": sites}})


def get_site(app: FakeKinsta, request: Request) -> Response:
    site = app._site(request)
    return Response(200, {"site": {
        "id": site.id,
        "name": site.name,
        "display_name": site.display_name,
        "company_id": app.agency.company_id,
        "status": site.status,
        "environments": [_short_environment_json(env) for env in site.environments],
    }})


def site_environments(app: FakeKinsta, request: Request) -> Response:
    site = app._site(request)
    return Response(200, {"site": {"environments": [_environment_json(env) for env in site.environments]}})


def _analytics_handler(metric: str) -> Callable[[FakeKinsta, Request], Response]:
    def handler(app: FakeKinsta, request: Request) -> Response:
        days, hourly = _analytics_range(request.query, metric, app.agency.today)
        app._company(request.query.get("company_id"), param="company_id")
        env = app._environment(request)
        dataset: list[dict[str, str]] = []
        values: list[int] = []
        for day in days:
            value = app.agency.analytics_value(env.id, metric, day)
            if value is None:
                continue  # no data that day: Kinsta omits the bucket rather than sending 0
            hours = _split_hourly(value) if hourly else [(0, value)]
            for hour, hour_value in hours:
                dataset.append({"key": app._bucket(day, hour), "value": str(hour_value)})
                values.append(hour_value)
        # Disk space is a gauge, so its total is the latest reading (INFERRED); traffic sums up.
        total = (values[-1] if values else 0) if metric == "diskspace" else sum(values)
        key = ANALYTICS_KEYS[metric]
        return Response(app.analytics_status, {"analytics": {"analytics_response": {
            "key": key, "data": [{"name": key, "total": total, "dataset": dataset}]}}})

    return handler


def _analytics_range(query: dict[str, str], metric: str, today: date) -> tuple[list[date], bool]:
    """The days asked for, and whether buckets are hourly (REFERENCE.md §4.3 query rules)."""
    # time_zone is required for diskspace only; the offset itself does not move daily buckets.
    if metric == "diskspace" and not TIME_ZONE_RE.match(query.get("time_zone", "")):
        raise bad_request("query parameter 'time_zone' is required, e.g. 02:00")
    if "from" in query or "to" in query:
        start, end = _parse_day(query.get("from"), "from"), _parse_day(query.get("to"), "to")
        if start > end:
            raise bad_request("'from' must not be after 'to'")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise bad_request(f"the range may cover at most {MAX_RANGE_DAYS} days")
        return [start + timedelta(days=i) for i in range((end - start).days + 1)], False
    span = query.get("time_span", "7_days")
    if span not in TIME_SPANS or (metric == "diskspace" and span == "24_hours"):
        raise bad_request(f"invalid time_span {span!r}")
    count = TIME_SPANS[span]
    return [today - timedelta(days=count - 1 - i) for i in range(count)], span == "24_hours"


def _split_hourly(value: int) -> list[tuple[int, int]]:
    total = sum(_HOURLY)
    return [(hour, round(value * weight / total)) for hour, weight in enumerate(_HOURLY)]


def _usage_handler(metric: str) -> Callable[[FakeKinsta, Request], Response]:
    def handler(app: FakeKinsta, request: Request) -> Response:
        site = app._site(request)
        value = app.agency.month_usage(site.id, metric)
        if metric == "cdn-bandwidth":
            # The CDN endpoint wraps its number in `this_month_cdn_usage` (REFERENCE.md §4.4).
            return Response(200, {"site": {"id": site.id, "this_month_cdn_usage": {"bandwidth": value}}})
        return Response(200, {"site": {"id": site.id, "this_month_usage": {metric: value}}})

    return handler


def company_users(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    # Each item is wrapped in a "user" object (REFERENCE.md §3.2).
    users = [{"user": {"id": u.id, "email": u.email, "image": u.image, "full_name": u.full_name}}
             for u in app.agency.users]
    return Response(200, {"company": {"users": users}})


def company_api_keys(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    keys = [{"id": k.id, "name": k.name, "status": k.status, "expires_at": k.expires_at}
            for k in app.agency.api_keys]
    return Response(200, {"api_keys": keys})


def company_regions(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    regions = [{"name": r.name, "region": r.region} for r in app.agency.regions]
    return Response(200, {"company": {"available_regions": regions}})


def company_activity(app: FakeKinsta, request: Request) -> Response:
    app._company(request.params["id"], param="id")
    query = request.query
    limit = _parse_int(query.get("limit"), "limit", default=10)
    offset = _parse_int(query.get("offset"), "offset", default=0)
    category = query.get("category")
    if category is not None and category not in CATEGORIES:
        raise bad_request(f"invalid category {category!r}")
    events = [
        event for event in app.agency.activity
        if (category is None or event.category == category)
        and ("site_id" not in query or event.site_id == query["site_id"])
        and ("id_initiated_by" not in query
             or (event.initiated_by is not None and event.initiated_by.id == query["id_initiated_by"]))
        and ("id_api_key" not in query or (event.api_key is not None and event.api_key.id == query["id_api_key"]))
    ]
    items = [_activity_json(event) for event in events[offset:offset + limit]]
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
        body["initiated_by"] = {"id": user.id, "role": user.role, "full_name": user.full_name,
                                "first_name": user.first_name}
    if event.user_agent is not None:
        browser, version, os_name = event.user_agent
        body["user_agent_info"] = {"browser_name": browser, "browser_version": version, "os_name": os_name}
    if event.api_key is not None:
        body["api_key_info"] = {"id": event.api_key.id, "name": event.api_key.name}
    return body


def environment_logs(app: FakeKinsta, request: Request) -> Response:
    file_name = request.query.get("file_name")
    if file_name not in LOG_FILES:
        raise bad_request("query parameter 'file_name' must be one of error, access, kinsta-cache-perf")
    lines = _parse_int(request.query.get("lines"), "lines", default=None)
    if not 1 <= lines <= MAX_LOG_LINES:
        raise bad_request(f"'lines' must be between 1 and {MAX_LOG_LINES}")
    env = app._environment(request)
    text = "\n".join(_log_lines(env, file_name, min(lines, 300), app.agency.today))
    return Response(200, {"environment": {"container_info": {"logs": text}}})


def _log_lines(env: FakeEnvironment, file_name: str, count: int, today: date) -> list[str]:
    """Deterministic nginx/PHP-looking lines, oldest first (REFERENCE.md §5.3)."""
    rng = random.Random(f"{env.id}:{file_name}")
    start = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=1)
    host = env.primary_domain.name
    out = []
    for i in range(count):
        stamp = start + timedelta(seconds=i * 240 + rng.randint(0, 200))
        if file_name == "error":
            out.append(f"{stamp:%Y/%m/%d %H:%M:%S} [error] 89199#89199: *{1145000 + i} FastCGI sent in stderr: "
                       f'"PHP message: PHP Warning: Undefined array key "{rng.choice(["id", "page", "lang"])}" '
                       f'in /www/wp-content/plugins/woocommerce/includes/class-wc-{rng.randint(1, 9)}.php" '
                       f"while reading response header from upstream, server: {host}")
        elif file_name == "access":
            out.append(f'{host} 203.0.113.{rng.randint(1, 254)} [{stamp:%d/%b/%Y:%H:%M:%S} +0000] '
                       f'GET "/{rng.choice(["", "shop/", "blog/", "contact/"])}" HTTP/2.0 '
                       f'{rng.choice([200, 200, 200, 301, 404])} "-" "Mozilla/5.0" 0.{rng.randint(10, 999)} -')
        else:
            out.append(f"{stamp:%Y-%m-%d %H:%M:%S} {rng.choice(['HIT', 'MISS', 'BYPASS'])} "
                       f"{rng.randint(1, 900)}ms https://{host}/")
    return out


# --- query parsing ---------------------------------------------------------------------------------


def _parse_bool(value: str | None, name: str) -> bool:
    if value is None or value == "":
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad_request(f"'{name}' must be true or false")


def _parse_int(value: str | None, name: str, *, default: int | None) -> int:
    if value is None:
        if default is None:
            raise bad_request(f"query parameter '{name}' is required")
        return default
    if not value.isdigit():
        raise bad_request(f"'{name}' must be a non-negative integer")
    return int(value)


def _parse_day(value: str | None, name: str) -> date:
    if not value:
        raise bad_request("'from' and 'to' must be sent together")
    try:
        return date.fromisoformat(value) if len(value) == 10 else _raise_bad_date(name)
    except ValueError:
        return _raise_bad_date(name)


def _raise_bad_date(name: str) -> date:
    raise bad_request(f"'{name}' must be a date as YYYY-MM-DD")


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


ANALYTICS_PATH = "/sites/environments/{env_id}/analytics/"
USAGE_PATH = "/sites/{site_id}/usage/"

ROUTES: list[Route] = [
    Route("GET", "/validate", validate_key),
    Route("GET", "/sites", list_sites),
    Route("GET", "/sites/{site_id}", get_site),
    Route("GET", "/sites/{site_id}/environments", site_environments),
    *(Route("GET", f"{ANALYTICS_PATH}{metric}", _analytics_handler(metric)) for metric in ANALYTICS_KEYS),
    *(Route("GET", f"{USAGE_PATH}{metric}/this-month", _usage_handler(metric))
      for metric in ("visits", "bandwidth", "cdn-bandwidth")),
    Route("GET", "/company/{id}/users", company_users),
    Route("GET", "/company/{id}/activity-logs", company_activity),
    Route("GET", "/company/{id}/available-regions", company_regions),
    Route("GET", "/company/{id}/api-keys", company_api_keys),
    Route("GET", "/sites/environments/{env_id}/logs", environment_logs, limit_kind="logs"),
]
