"""The one place that calls httpx (STYLE 5.3): rate limiting, retries with backoff, the mapping of HTTP
failures to ``KinstaError`` subclasses, JSON decoding and redaction of the key.

* The API key is only ever placed in the httpx ``Authorization`` header. It never appears in logs, reprs
  or exception messages; logs name the method and the path *template* (``GET /sites/{site_id}``).
* Every read is retried on 5xx, timeouts and transport errors, with exponential backoff; a write is sent
  again only if it never left (REFERENCE §7: a second POST may start a second operation).
* 429 (or a "too many requests" body) waits through the company's shared limiter, so every client of
  the company holds back, not only this one.
* ``heartbeat`` (optional, set by the sync to renew its lease) is called before every attempt, every
  second of a rate-limit wait or a backoff, and between the chunks of a body: nothing this transport
  does keeps it from being called for longer than one blocking socket operation (at most ``timeout``).
  Whatever it raises ends the call.
* Bodies are streamed and read up to ``max_response_bytes`` (decoded bytes, so a compressed bomb counts
  at its real size): a longer answer fails that call with a ``KinstaResponseError`` naming the endpoint
  and the cap, and is never retried (the same request would get the same body). A ``Content-Length`` over
  the cap fails it before a byte of the body is read.

Plain Python: no Django imports. Citations "REFERENCE §x" point to shared/kinsta-api/REFERENCE.md.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import time
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from kinsta_sync.api.errors import (
    KinstaAuthError,
    KinstaError,
    KinstaNotFound,
    KinstaRateLimited,
    KinstaResponseError,
)
from kinsta_sync.api.limits import RateLimiter, header, retry_after_seconds

__all__ = ["BACKOFF_CAP", "DEFAULT_MAX_RESPONSE_BYTES", "ClientStats", "KinstaTransport"]

logger = logging.getLogger(__name__)

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BACKOFF_CAP = 30.0  # seconds, for the exponential backoff on 5xx / transport errors
# The largest body read from Kinsta. The biggest answer we ask for, GET /sites with every environment, is
# about 3 kB per site: 32 MiB is ten times the size of a 1,000-site agency's, and it bounds what one
# response costs in memory (the bytes plus the decoded JSON) to a few hundred MB at worst.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


@dataclass
class ClientStats:
    requests: int = 0  # HTTP requests sent, retries included
    throttled: int = 0  # 429 (or "too many requests") responses received
    retries: int = 0  # requests repeated after a 5xx, timeout or transport error
    waited_seconds: float = 0.0  # time slept by the limiter and by backoff
    bytes_read: int = 0  # body bytes read (decoded), every response included


def _httpx_name(exc: BaseException) -> str:
    # Name the httpx class (RemoteProtocolError, ConnectError), not a subclass some transport raised.
    return next((c.__name__ for c in type(exc).__mro__ if c.__module__.startswith("httpx")), type(exc).__name__)


def _without_nul(node: Any) -> Any:
    """JSON may carry "\\u0000" in a string; PostgreSQL text cannot hold NUL. Show it as U+FFFD instead."""
    if isinstance(node, str):
        return node.replace("\x00", "\ufffd") if "\x00" in node else node
    if isinstance(node, list):
        return [_without_nul(item) for item in node]
    if isinstance(node, dict):
        return {key: _without_nul(value) for key, value in node.items()}
    return node


def _size(count: int) -> str:
    """A byte count for people: 33554432 -> "32 MiB", 1500 -> "1,500 bytes"."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= factor:
            return f"{count / factor:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{count:,} bytes"


def _body_message(data: Any) -> str:
    if isinstance(data, Mapping):
        message = data.get("message")
        if isinstance(message, str):
            return message
    return ""


class KinstaTransport:
    """Sends API calls for one company's client and turns every answer into data or a ``KinstaError``.

    ``transport`` is httpx's (``httpx.WSGITransport(app=fake)`` in tests); production passes nothing.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        limiter: RateLimiter,
        timeout: float = 20.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx.BaseTransport | None = None,
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        if max_response_bytes < 1:
            raise ValueError("max_response_bytes must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_response_bytes = max_response_bytes
        self.limiter = limiter
        self.heartbeat = heartbeat
        self.stats = ClientStats()
        self._api_key = api_key
        # Timeout is never optional (STYLE 5.3); connecting should be quick even when a report call is slow.
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"KinstaTransport(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def _beat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat()

    def _redact(self, text: str) -> str:
        # Belt and braces: a server message or an exception text could echo the key back.
        return text.replace(self._api_key, "***") if self._api_key else text

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter (AWS architecture blog): spreads retries of parallel syncs.
        return random.uniform(0, min(BACKOFF_CAP, self.backoff_base * 2**attempt))

    def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        answer_statuses: Container[int] = (),
    ) -> tuple[int, Any]:
        """Send one API call and return ``(status, decoded JSON body)`` for any 2xx answer.

        ``path`` is a template (``/sites/{site_id}``) filled from ``path_params``; the template, not the
        filled path, names the endpoint in logs and errors. Raises a ``KinstaError`` subclass otherwise.
        ``answer_statuses``: non-2xx codes that are an answer, not an error (the operation poll's 404 "not
        registered yet" and 500 "failed", REFERENCE §6); they are returned like a 2xx, never retried, and
        a body that is not JSON comes back as None.
        """
        endpoint = f"{method} {path}"
        url = path.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        transient_failures = 0
        throttles = 0
        while True:
            self.stats.waited_seconds += self.limiter.acquire(url, heartbeat=self.heartbeat)
            self._beat()
            self.stats.requests += 1
            started = time.monotonic()
            status: int | None = None
            cause: str
            # A request that may have reached Kinsta is repeated only if repeating it is harmless: every
            # read is; a write (operations.py) would start a second operation (REFERENCE §7). A request
            # that never left (connect error or connect timeout) is always safe to send again.
            sent = True
            try:
                # Streamed, so that the size cap holds before the body is in memory; a timeout or a
                # dropped connection while reading the body is handled like one before the headers.
                with self._http.stream(method, url, params=params, json=json) as response:
                    # The server's view of the budget counts even when the body is refused.
                    self.limiter.observe(response.headers)
                    content = self._read_body(response, endpoint)
            except httpx.TimeoutException as exc:
                cause = f"timeout ({_httpx_name(exc)})"
                sent = not isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                # Connection refused/reset, remote protocol error. Only the type and message are kept:
                # the exception object holds the request, and with it the Authorization header.
                cause = self._redact(f"{_httpx_name(exc)}: {exc}")
                sent = not isinstance(exc, httpx.ConnectError)
            else:
                status = response.status_code
                elapsed = time.monotonic() - started
                logger.debug("%s -> %s in %.3fs", endpoint, status, elapsed)
                data, decode_error = self._decode(content)
                message = _body_message(data)

                if status == 429 or "too many requests" in message.lower():
                    # S3 also treats a "too many requests" message as a throttle (REFERENCE §1.3).
                    self.stats.throttled += 1
                    throttles += 1
                    wait = retry_after_seconds(header(response.headers, "Retry-After"), self.limiter.wall_clock)
                    if wait is None:
                        wait = self.limiter.reset_seconds(
                            header(response.headers, "RateLimit-Reset", "X-RateLimit-Reset")
                        )
                    if wait is None:
                        # No hint: back off, but never retry immediately (equal jitter, at least half).
                        ceiling = min(BACKOFF_CAP, self.backoff_base * 2**throttles)
                        wait = ceiling / 2 + random.uniform(0, ceiling / 2)
                    # Through the shared limiter: the whole company is out of budget, not just this call,
                    # and it stays so for the next caller even if this one gives up now.
                    self.limiter.block_for(wait)
                    if throttles > self.max_retries + 2:
                        raise KinstaRateLimited(
                            f"{endpoint}: HTTP {status}: still rate limited after {throttles} attempts",
                            endpoint=endpoint,
                            status=status,
                            permanent=False,
                            reached=False,
                        )
                    logger.warning("%s: throttled (HTTP %s), waiting %.2fs", endpoint, status, wait)
                    continue

                if 200 <= status < 300:
                    if decode_error is not None:
                        raise KinstaResponseError(
                            f"{endpoint}: HTTP {status}: malformed JSON: {decode_error}",
                            endpoint=endpoint,
                            status=status,
                            field="<root>",
                        )
                    return status, data
                if status in answer_statuses:
                    return status, data

                detail = self._redact(message or response.reason_phrase or "no message")[:300]
                if status == 401:
                    # A bad key stays bad: retrying only burns budget (REFERENCE §1.3).
                    raise KinstaAuthError(
                        f"{endpoint}: HTTP 401: {detail}", endpoint=endpoint, status=status, permanent=True
                    )
                if status == 404:
                    # Unknown id or no permission (REFERENCE §1.3): the answer will not change on retry.
                    raise KinstaNotFound(
                        f"{endpoint}: HTTP 404: {detail}", endpoint=endpoint, status=status, permanent=True
                    )
                if status < 500:
                    # 400 = our request is wrong; 403/422 are not documented but equally final.
                    raise KinstaError(
                        f"{endpoint}: HTTP {status}: {detail}",
                        endpoint=endpoint,
                        status=status,
                        permanent=True,
                    )
                cause = f"HTTP {status}: {detail}"

            # Transient failure: 5xx, timeout or transport error.
            if transient_failures >= self.max_retries or (sent and method not in _IDEMPOTENT_METHODS):
                raise KinstaError(
                    f"{endpoint}: {cause} (gave up after {transient_failures + 1} attempts)",
                    endpoint=endpoint,
                    status=status,
                    permanent=False,
                    reached=None if sent else False,
                )
            delay = self._backoff(transient_failures)
            transient_failures += 1
            self.stats.retries += 1
            logger.warning("%s: %s; retry %d/%d in %.2fs", endpoint, cause, transient_failures, self.max_retries, delay)
            self.stats.waited_seconds += self.limiter.pause(delay, heartbeat=self.heartbeat)

    def _read_body(self, response: httpx.Response, endpoint: str) -> bytes:
        """The whole body, or a ``KinstaResponseError`` once it is longer than ``max_response_bytes``."""
        cap = self.max_response_bytes
        announced = header(response.headers, "Content-Length")
        if announced is not None and announced.isdigit() and int(announced) > cap:
            # With a Content-Encoding the header counts compressed bytes: the decoded body is bigger still.
            raise self._too_large(endpoint, response.status_code, f"announces {_size(int(announced))}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            self.stats.bytes_read += len(chunk)
            if size > cap:
                raise self._too_large(endpoint, response.status_code, f"went past it after {_size(size)}")
            chunks.append(chunk)
            self._beat()
        return b"".join(chunks)

    def _too_large(self, endpoint: str, status: int, how: str) -> KinstaResponseError:
        logger.warning(
            "%s: HTTP %s: response over the %s cap, not read further", endpoint, status, _size(self.max_response_bytes)
        )
        return KinstaResponseError(
            f"{endpoint}: HTTP {status}: the response is larger than the cap of {_size(self.max_response_bytes)} "
            f"(KINSTA_MAX_RESPONSE_BYTES) and {how}; it was not read further",
            endpoint=endpoint,
            status=status,
            field="<root>",
        )

    @staticmethod
    def _decode(content: bytes) -> tuple[Any, str | None]:
        try:
            return _without_nul(jsonlib.loads(content)), None
        except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            return None, f"{type(exc).__name__} at {getattr(exc, 'pos', '?')}"
