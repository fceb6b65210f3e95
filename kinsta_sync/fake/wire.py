"""The fake's wire format: requests, responses and errors in Kinsta's envelope, routes, query parsing.

Plain Python, no Django. Error messages are S1's (REFERENCE.md §1.3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from .app import FakeKinsta

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
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
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


# --- query parsing ---------------------------------------------------------------------------------


def parse_bool(value: str | None, name: str) -> bool:
    if value is None or value == "":
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad_request(f"'{name}' must be true or false")


def parse_int(value: str | None, name: str, *, default: int | None) -> int:
    if value is None:
        if default is None:
            raise bad_request(f"query parameter '{name}' is required")
        return default
    if not value.isdigit():
        raise bad_request(f"'{name}' must be a non-negative integer")
    return int(value)


def parse_day(value: str | None, name: str) -> date:
    if not value:
        raise bad_request("'from' and 'to' must be sent together")
    try:
        return date.fromisoformat(value) if len(value) == 10 else _raise_bad_date(name)
    except ValueError:
        return _raise_bad_date(name)


def _raise_bad_date(name: str) -> date:
    raise bad_request(f"'{name}' must be a date as YYYY-MM-DD")


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
