"""Kinsta REST API v2 client: thin, typed, strict at the edge (shared/STYLE.md 5.3).

* One private ``_request()`` is the only place that calls httpx. It owns rate limiting, retries, the
  mapping of HTTP failures to ``KinstaError`` subclasses and JSON decoding.
* Responses are parsed once, here, into the pydantic models of ``kinsta_sync.types``. List endpoints
  validate the envelope first (a broken envelope raises) and then each item (a broken item is reported in
  ``Parsed.errors`` while the good ones are kept, with the item's id when that much could be read). A
  site's labels are read one by one: an unreadable label is dropped and reported in ``Parsed.warnings``,
  and its site is kept.
* The API key is only ever placed in the httpx ``Authorization`` header. It never appears in logs, reprs
  or exception messages; logs name the method and the path *template* (``GET /sites/{site_id}``).

Plain Python: no Django imports. Citations "REFERENCE §x" point to shared/kinsta-api/REFERENCE.md.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import reprlib
import threading
import time
from collections import deque
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from kinsta_sync.types import (
    ActivityEntry,
    ActivityLogsEnvelope,
    AnalyticsEnvelope,
    ApiKeyInfo,
    ApiKeysEnvelope,
    BandwidthUsageEnvelope,
    CdnBandwidthUsageEnvelope,
    CompanyUser,
    CompanyUserItem,
    DailyValue,
    Environment,
    EnvironmentsEnvelope,
    KeyValidation,
    KinstaId,
    Label,
    Region,
    RegionsEnvelope,
    Site,
    SiteDetail,
    SiteDetailEnvelope,
    SitesEnvelope,
    SiteUsage,
    UsersEnvelope,
    VisitsUsageEnvelope,
    format_loc,
)

__all__ = [
    "ANALYTICS_METRICS",
    "ActivityPage",
    "ClientStats",
    "KinstaAuthError",
    "KinstaClient",
    "KinstaError",
    "KinstaNotFound",
    "KinstaRateLimited",
    "KinstaResponseError",
    "Parsed",
    "RateLimiter",
    "limiter_for",
    "parse_activity_logs",
    "parse_analytics",
    "parse_api_keys",
    "parse_environments",
    "parse_regions",
    "parse_site_detail",
    "parse_sites",
    "parse_usage",
    "parse_users",
    "parse_validation",
    "reset_limiters",
    "safe_value",
]

logger = logging.getLogger("kinsta_sync.client")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# REFERENCE §4.3: the four time-series metrics, by URL segment.
ANALYTICS_METRICS = frozenset({"visits", "bandwidth", "cdn-bandwidth", "diskspace"})
# REFERENCE §4.3: the largest documented time_span is 60_days; longer custom ranges are split.
ANALYTICS_MAX_DAYS = 60
# Series names per metric, used only to pick a series if a response ever carries several.
# cdn-bandwidth's name is disputed (S1 "cdn-bandwidth", S3 "cdnBandwidth"), REFERENCE §4.3.
_SERIES_NAMES = {
    "visits": {"uniqueip", "visits"},
    "bandwidth": {"bandwidth"},
    "cdn-bandwidth": {"cdn-bandwidth", "cdnBandwidth"},
    "diskspace": {"diskSpaceUsage", "diskspace"},
}

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_CAP = 120.0  # seconds; a longer Retry-After is treated as this (a sync must not hang for hours)
BACKOFF_CAP = 30.0  # seconds, for the exponential backoff on 5xx / transport errors


# --- errors --------------------------------------------------------------------------------------------


class KinstaError(Exception):
    """Any failure talking to Kinsta. ``permanent`` means retrying the same call will not help."""

    def __init__(self, message: str, *, endpoint: str = "", status: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status
        self.permanent = permanent


class KinstaAuthError(KinstaError):
    """401: missing, invalid, revoked or expired key (REFERENCE §1.3). Permanent."""


class KinstaNotFound(KinstaError):
    """404: unknown id **or** no permission; Kinsta uses 404, not 403, for both (REFERENCE §1.3).

    Permanent.
    """


class KinstaRateLimited(KinstaError):
    """429 (or a "too many requests" body) still answered after the allowed retries."""


class KinstaResponseError(KinstaError):
    """The body is not JSON, or lacks a required field, or holds a non-numeric value.

    Not retried: the same request would most likely get the same body. ``field`` is the JSON path of the
    first problem, e.g. ``company.sites[3].id``. ``item_id`` is the id of the list item the problem is in,
    when that id itself could be read (a site with a broken environment still names its site).
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        status: int | None = None,
        field: str | None = None,
        permanent: bool = True,
        item_id: str | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, status=status, permanent=permanent)
        self.field = field
        self.item_id = item_id


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """Result of a list endpoint parsed item by item: bad items are reported, the good ones kept.

    ``errors``: items that could not be read at all (each with ``item_id`` when the id was readable).
    ``warnings``: parts of kept items that could not be read and were left out, e.g. a site's unreadable
    label (``item_id`` names the kept item, so its stored data for that part can be left alone).
    """

    items: list[T]
    errors: list[KinstaResponseError] = field(default_factory=list)
    warnings: list[KinstaResponseError] = field(default_factory=list)

    @property
    def unidentified(self) -> list[KinstaResponseError]:
        """The bad items whose id could not be read: with any of these, nobody knows what is missing."""
        return [error for error in self.errors if error.item_id is None]


@dataclass(frozen=True)
class ActivityPage:
    """One page of ``GET /company/{id}/activity-logs`` (REFERENCE §3.5).

    ``total`` counts all matching rows, for paging.
    """

    items: list[ActivityEntry]
    errors: list[KinstaResponseError]
    total: int

    @property
    def size(self) -> int:
        # Every raw item ends up in exactly one of the two lists, so this is the page's row count.
        return len(self.items) + len(self.errors)


@dataclass
class ClientStats:
    requests: int = 0  # HTTP requests sent, retries included
    throttled: int = 0  # 429 (or "too many requests") responses received
    retries: int = 0  # requests repeated after a 5xx, timeout or transport error
    waited_seconds: float = 0.0  # time slept by the limiter and by backoff


# --- parsing ------------------------------------------------------------------------------------------


# A value shown in an error: short, one line, control and bidi characters escaped (repr does that), so a
# hostile body cannot flood the run's error list or rewrite a log line.
_VALUE_REPR = reprlib.Repr()
_VALUE_REPR.maxstring = _VALUE_REPR.maxother = 60
_VALUE_REPR.maxlist = _VALUE_REPR.maxdict = _VALUE_REPR.maxtuple = 4
_VALUE_REPR.maxlevel = 2
_ID = TypeAdapter(KinstaId)
_NO_VALUE = object()


def safe_value(value: Any, limit: int = 120) -> str:
    """``value`` as a short, escaped ``repr`` for an error message."""
    text = _VALUE_REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _validation_error(
    endpoint: str,
    exc: ValidationError,
    *,
    prefix: str = "",
    status: int | None = None,
    item_id: str | None = None,
    item: Any = _NO_VALUE,
) -> KinstaResponseError:
    """The first problem of ``exc`` as an error naming the endpoint, the JSON path and the value.

    pydantic's own rendering would echo whole inputs; values go through safe_value() instead. The bad
    value is shown except for a missing field (its "input" is the whole parent object; the path says what
    is missing) and for our own validators' messages, which name it already; ``item``, when given, is
    shown instead (a small object such as a label, where the whole item is the useful context).
    """
    errors = exc.errors(include_url=False, include_context=False)
    first = errors[0]
    path = format_loc(first["loc"], prefix)
    message = f"{endpoint}: {path}: {first['msg']}"
    if item is not _NO_VALUE:
        message += f" (value: {safe_value(item)})"
    elif first["type"] not in ("missing", "value_error"):
        message += f" (value: {safe_value(first.get('input'))})"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    return KinstaResponseError(message, endpoint=endpoint, status=status, field=path, item_id=item_id)


def _validate(endpoint: str, model: type[M], doc: Any, *, prefix: str = "", status: int | None = None) -> M:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise _validation_error(endpoint, exc, prefix=prefix, status=status) from None


def _readable_id(raw: Any, path: tuple[str, ...]) -> str | None:
    """The id of a raw list item at ``path`` (("id",), or ("user", "id") for users), if it can be read."""
    node = raw
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    try:
        return _ID.validate_python(node)
    except ValidationError:
        return None


def _parse_items(
    endpoint: str,
    prefix: str,
    model: type[M],
    raw_items: list[Any],
    *,
    status: int | None = None,
    id_path: tuple[str, ...] = ("id",),
) -> tuple[list[M], list[KinstaResponseError]]:
    items: list[M] = []
    errors: list[KinstaResponseError] = []
    for index, raw in enumerate(raw_items):
        try:
            items.append(model.model_validate(raw))
        except ValidationError as exc:
            error = _validation_error(
                endpoint, exc, prefix=f"{prefix}[{index}]", status=status, item_id=_readable_id(raw, id_path)
            )
            logger.warning("%s", error)
            errors.append(error)
    return items, errors


# Both spellings of a site's labels, in the order Site.labels' AliasChoices prefers them (REFERENCE §4.1).
_LABEL_KEYS = ("siteLabels", "site_labels")


def _parse_site(endpoint: str, prefix: str, raw: Any) -> tuple[Site, list[KinstaResponseError]]:
    """One ``GET /sites`` item; its labels one by one, so an unreadable label costs only itself.

    Raises ``ValidationError`` when the site itself cannot be read. Returns the site with the labels that
    could be read, and a warning for each one that could not (or for a labels value that is not a list).
    """
    key = next((k for k in _LABEL_KEYS if isinstance(raw, Mapping) and k in raw), None)
    if key is None:
        return Site.model_validate(raw), []
    site = Site.model_validate({k: v for k, v in raw.items() if k not in _LABEL_KEYS})
    raw_labels = raw[key]
    if raw_labels is None:  # null is "no labels", as for the other optional arrays
        return site, []
    path = f"{prefix}.{key}"
    if not isinstance(raw_labels, list):
        warning = KinstaResponseError(
            f"{endpoint}: {path}: expected a list of labels (value: {safe_value(raw_labels)})",
            endpoint=endpoint,
            field=path,
            item_id=site.id,
        )
        return site, [warning]
    labels: list[Label] = []
    warnings: list[KinstaResponseError] = []
    for index, raw_label in enumerate(raw_labels):
        try:
            labels.append(Label.model_validate(raw_label))
        except ValidationError as exc:
            warnings.append(
                _validation_error(endpoint, exc, prefix=f"{path}[{index}]", item_id=site.id, item=raw_label)
            )
    return site.model_copy(update={"labels": labels}), warnings


def parse_validation(doc: Any, *, endpoint: str = "GET /validate") -> KeyValidation:
    return _validate(endpoint, KeyValidation, doc)


def parse_sites(doc: Any, *, endpoint: str = "GET /sites") -> Parsed[Site]:
    envelope = _validate(endpoint, SitesEnvelope, doc)
    items: list[Site] = []
    errors: list[KinstaResponseError] = []
    warnings: list[KinstaResponseError] = []
    for index, raw in enumerate(envelope.company.sites):
        prefix = f"company.sites[{index}]"
        try:
            site, site_warnings = _parse_site(endpoint, prefix, raw)
        except ValidationError as exc:
            error = _validation_error(endpoint, exc, prefix=prefix, item_id=_readable_id(raw, ("id",)))
            logger.warning("%s", error)
            errors.append(error)
            continue
        for warning in site_warnings:
            logger.warning("%s (label left out, site kept)", warning)
        items.append(site)
        warnings += site_warnings
    return Parsed(items, errors, warnings)


def parse_site_detail(doc: Any, *, endpoint: str = "GET /sites/{site_id}") -> SiteDetail:
    return _validate(endpoint, SiteDetailEnvelope, doc).site


def parse_environments(doc: Any, *, endpoint: str = "GET /sites/{site_id}/environments") -> list[Environment]:
    # Returned as a plain list (not Parsed): a site has a handful of environments, and a sync that
    # silently dropped one would later mark it removed.
    envelope = _validate(endpoint, EnvironmentsEnvelope, doc)
    items, errors = _parse_items(endpoint, "site.environments", Environment, envelope.site.environments)
    if errors:
        raise errors[0]
    return items


def parse_analytics(
    doc: Any, metric: str, *, endpoint: str = "GET /sites/environments/{env_id}/analytics/{metric}"
) -> list[DailyValue]:
    """Daily values of one time-series response, sorted by day; a missing or null bucket is a gap."""
    envelope = _validate(endpoint, AnalyticsEnvelope, doc)
    series = envelope.series
    if not series:
        return []
    # Normally exactly one series (REFERENCE §4.3). Don't switch on the key: we know what we asked for.
    chosen = next((s for s in series if s.name in _SERIES_NAMES.get(metric, ())), series[0])
    values: dict[date, int] = {}
    for point in chosen.dataset:
        if point.value is not None:
            values[point.key] = point.value
    return [DailyValue(day=day, value=values[day]) for day in sorted(values)]


def parse_usage(doc: Any, kind: str, *, endpoint: str | None = None) -> int:
    """One ``usage/{kind}/this-month`` response -> its number (REFERENCE §4.4)."""
    endpoint = endpoint or f"GET /sites/{{site_id}}/usage/{kind}/this-month"
    if kind == "visits":
        return _validate(endpoint, VisitsUsageEnvelope, doc).site.this_month_usage.visits
    if kind == "bandwidth":
        return _validate(endpoint, BandwidthUsageEnvelope, doc).site.this_month_usage.bandwidth
    if kind == "cdn-bandwidth":
        return _validate(endpoint, CdnBandwidthUsageEnvelope, doc).site.this_month_cdn_usage.bandwidth
    raise ValueError(f"unknown usage kind {kind!r}")


def parse_users(doc: Any, *, endpoint: str = "GET /company/{id}/users") -> Parsed[CompanyUser]:
    envelope = _validate(endpoint, UsersEnvelope, doc)
    # Each list item wraps the user in a "user" object (REFERENCE §3.2).
    wrapped, errors = _parse_items(
        endpoint, "company.users", CompanyUserItem, envelope.company.users, id_path=("user", "id")
    )
    return Parsed([item.user for item in wrapped], errors)


def parse_activity_logs(doc: Any, *, endpoint: str = "GET /company/{id}/activity-logs") -> ActivityPage:
    envelope = _validate(endpoint, ActivityLogsEnvelope, doc)
    logs = envelope.company.activity_logs
    items, errors = _parse_items(endpoint, "company.activity_logs.items", ActivityEntry, logs.items)
    return ActivityPage(items=items, errors=errors, total=logs.total)


def parse_regions(doc: Any, *, endpoint: str = "GET /company/{id}/available-regions") -> Parsed[Region]:
    envelope = _validate(endpoint, RegionsEnvelope, doc)
    items, errors = _parse_items(endpoint, "company.available_regions", Region, envelope.company.available_regions)
    return Parsed(items, errors)


def parse_api_keys(doc: Any, *, endpoint: str = "GET /company/{id}/api-keys") -> Parsed[ApiKeyInfo]:
    envelope = _validate(endpoint, ApiKeysEnvelope, doc)
    items, errors = _parse_items(endpoint, "api_keys", ApiKeyInfo, envelope.api_keys)
    return Parsed(items, errors)


# --- rate limiting ------------------------------------------------------------------------------------


def _header(headers: Mapping[str, str], *names: str) -> str | None:
    # httpx.Headers is case-insensitive already; plain dicts (tests, other callers) may not be.
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None and value.strip():
            return value.strip()
    return None


def _parse_float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def is_logs_path(path: str) -> bool:
    """Paths with the separate logs budget: ``…/logs`` (35/min documented, REFERENCE §5.3) and, because
    that budget's scope is unknown, ``…/activity-logs`` too."""
    path = path.split("?", 1)[0].rstrip("/")
    return path.endswith("/logs") or path.endswith("/activity-logs")


class RateLimiter:
    """Thread-safe sliding-window limiter for one Kinsta company (REFERENCE §8).

    * At most ``requests_per_minute`` request starts in any ``window`` seconds. The window is 61 s, not
      60: Kinsta counts arrivals, and a request sent at the very end of our window may arrive at the
      start of theirs.
    * A separate, smaller budget for log paths (``logs_per_minute``), also counted in the general one.
    * ``RateLimit-Remaining: 0`` (or ``X-RateLimit-Remaining``) blocks every sender until
      ``RateLimit-Reset``; a 429's ``Retry-After`` does the same through ``block_for()``. Other tools of
      the agency spend the same company budget, which is why the server's numbers win over ours.

    ``clock``/``sleep``/``wall_clock`` are injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        requests_per_minute: int = 100,
        logs_per_minute: int = 30,
        *,
        window: float = 61.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if requests_per_minute < 1 or logs_per_minute < 1:
            raise ValueError("rate limits must be at least 1 per minute")
        self.requests_per_minute = requests_per_minute
        self.logs_per_minute = logs_per_minute
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self.wall_clock = wall_clock
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._logs_sent: deque[float] = deque()
        self._blocked_until = -math.inf

    def __repr__(self) -> str:
        return (
            f"RateLimiter(requests_per_minute={self.requests_per_minute}, "
            f"logs_per_minute={self.logs_per_minute}, window={self.window})"
        )

    def configure(self, requests_per_minute: int, logs_per_minute: int) -> None:
        with self._lock:
            self.requests_per_minute = requests_per_minute
            self.logs_per_minute = logs_per_minute

    def _delay(self, now: float, logs: bool) -> float:
        horizon = now - self.window
        for sent in (self._sent, self._logs_sent):
            while sent and sent[0] <= horizon:
                sent.popleft()
        delay = self._blocked_until - now
        if len(self._sent) >= self.requests_per_minute:
            delay = max(delay, self._sent[-self.requests_per_minute] + self.window - now)
        if logs and len(self._logs_sent) >= self.logs_per_minute:
            delay = max(delay, self._logs_sent[-self.logs_per_minute] + self.window - now)
        return delay

    def acquire(self, path: str = "") -> float:
        """Wait until a request to ``path`` fits the budgets, record it, and return the seconds slept."""
        logs = is_logs_path(path)
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay = self._delay(now, logs)
                if delay <= 0:
                    self._sent.append(now)
                    if logs:
                        self._logs_sent.append(now)
                    return waited
            # Sleep outside the lock so other threads can record responses meanwhile; re-check after.
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> float:
        """Sleep (with the injected sleep) and return the seconds slept; used for retry backoff."""
        if seconds <= 0:
            return 0.0
        self._sleep(seconds)
        return seconds

    def block_for(self, seconds: float) -> None:
        """Hold back every request of this company for ``seconds`` (e.g. after a 429's Retry-After)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def reset_seconds(self, value: str | None) -> float | None:
        """Interpret a ``*-Reset`` header: small numbers are seconds to wait, large ones epoch times."""
        number = _parse_float(value)
        if number is None or number < 0:
            return None
        if number > 1e11:  # epoch milliseconds
            number = number / 1000 - self.wall_clock()
        elif number > 1e8:  # epoch seconds (1e8 s is more than three years: no window is that long)
            number = number - self.wall_clock()
        return min(max(number, 0.0), RETRY_AFTER_CAP)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Follow the server's view of the budget: Remaining 0 -> wait Reset seconds (REFERENCE §8)."""
        remaining = _parse_float(_header(headers, "RateLimit-Remaining", "X-RateLimit-Remaining"))
        if remaining is None or remaining > 0:
            return
        reset = self.reset_seconds(_header(headers, "RateLimit-Reset", "X-RateLimit-Reset"))
        if reset is None:
            # Remaining 0 without a usable reset: the window is a minute (REFERENCE §8).
            reset = 60.0
        self.block_for(reset)


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(company_id: str, requests_per_minute: int, logs_per_minute: int) -> RateLimiter:
    """The process-wide limiter of one company: every client of that company shares its budget.

    Kinsta's 120/min limit is per company (REFERENCE §8), so two clients (two threads of a sync, a sync
    and an admin action) must not each think they have the full budget. The limits passed last win.
    """
    with _limiters_lock:
        limiter = _limiters.get(company_id)
        if limiter is None:
            limiter = _limiters[company_id] = RateLimiter(requests_per_minute, logs_per_minute)
        else:
            limiter.configure(requests_per_minute, logs_per_minute)
        return limiter


def reset_limiters() -> None:
    """Forget all shared limiters (for tests that create many clients of one fake company)."""
    with _limiters_lock:
        _limiters.clear()


# --- the client ---------------------------------------------------------------------------------------


def _retry_after_seconds(value: str | None, wall_clock: Callable[[], float]) -> float | None:
    """``Retry-After`` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    seconds = _parse_float(value)
    if seconds is None:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - wall_clock()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


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


def _body_message(data: Any) -> str:
    if isinstance(data, Mapping):
        message = data.get("message")
        if isinstance(message, str):
            return message
    return ""


class KinstaClient:
    """Read-only client for one Kinsta company (REFERENCE §2 lists the endpoints).

    Construct one per sync run; ``close()`` it (or use it as a context manager). ``transport`` is for
    tests (``httpx.WSGITransport(app=fake)``); production passes nothing.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        company_id: str,
        requests_per_minute: int = 100,
        logs_per_minute: int = 30,
        timeout: float = 20.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.company_id = company_id
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.stats = ClientStats()
        self._api_key = api_key
        self._limiter = limiter or limiter_for(company_id, requests_per_minute, logs_per_minute)
        # Timeout is never optional (STYLE 5.3); connecting should be quick even when a report call is slow.
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"KinstaClient(base_url={self.base_url!r}, company_id={self.company_id!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KinstaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    # --- transport ---------------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        # Belt and braces: a server message or an exception text could echo the key back.
        return text.replace(self._api_key, "***") if self._api_key else text

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter (AWS architecture blog): spreads retries of parallel syncs.
        return random.uniform(0, min(BACKOFF_CAP, self.backoff_base * 2**attempt))

    def _request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> tuple[int, Any]:
        """Send one API call and return ``(status, decoded JSON body)`` for any 2xx answer.

        ``path`` is a template (``/sites/{site_id}``) filled from ``path_params``; the template, not the
        filled path, names the endpoint in logs and errors. Raises a ``KinstaError`` subclass otherwise.
        """
        endpoint = f"{method} {path}"
        url = path.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        transient_failures = 0
        throttles = 0
        while True:
            self.stats.waited_seconds += self._limiter.acquire(url)
            self.stats.requests += 1
            started = time.monotonic()
            status: int | None = None
            cause: str
            # A request that may have reached Kinsta is repeated only if repeating it is harmless: every
            # read is; a write (future work) would start a second operation (REFERENCE §7). A request
            # that never left (connect error or connect timeout) is always safe to send again.
            sent = True
            try:
                response = self._http.request(method, url, params=params, json=json)
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
                self._limiter.observe(response.headers)
                data, decode_error = self._decode(response)
                message = _body_message(data)

                if status == 429 or "too many requests" in message.lower():
                    # S3 also treats a "too many requests" message as a throttle (REFERENCE §1.3).
                    self.stats.throttled += 1
                    throttles += 1
                    wait = _retry_after_seconds(_header(response.headers, "Retry-After"), self._limiter.wall_clock)
                    if wait is None:
                        wait = self._limiter.reset_seconds(
                            _header(response.headers, "RateLimit-Reset", "X-RateLimit-Reset")
                        )
                    if wait is None:
                        # No hint: back off, but never retry immediately (equal jitter, at least half).
                        ceiling = min(BACKOFF_CAP, self.backoff_base * 2**throttles)
                        wait = ceiling / 2 + random.uniform(0, ceiling / 2)
                    # Through the shared limiter: the whole company is out of budget, not just this call,
                    # and it stays so for the next caller even if this one gives up now.
                    self._limiter.block_for(wait)
                    if throttles > self.max_retries + 2:
                        raise KinstaRateLimited(
                            f"{endpoint}: HTTP {status}: still rate limited after {throttles} attempts",
                            endpoint=endpoint,
                            status=status,
                            permanent=False,
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
                )
            delay = self._backoff(transient_failures)
            transient_failures += 1
            self.stats.retries += 1
            logger.warning("%s: %s; retry %d/%d in %.2fs", endpoint, cause, transient_failures, self.max_retries, delay)
            self.stats.waited_seconds += self._limiter.pause(delay)

    @staticmethod
    def _decode(response: httpx.Response) -> tuple[Any, str | None]:
        try:
            return _without_nul(response.json()), None
        except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            return None, f"{type(exc).__name__} at {getattr(exc, 'pos', '?')}"

    def _get(self, path: str, *, params: Mapping[str, Any] | None = None, **path_params: str) -> Any:
        return self._request("GET", path, path_params=path_params, params=params)[1]

    # --- endpoints ---------------------------------------------------------------------------------

    def validate(self) -> KeyValidation:
        """Which company the key belongs to and whether it is active (REFERENCE §3.1)."""
        return parse_validation(self._get("/validate"))

    def list_sites(self) -> Parsed[Site]:
        """All sites with their full environments in one call (REFERENCE §4.1, §4.2)."""
        doc = self._get("/sites", params={"company": self.company_id, "include_environments": "true"})
        return parse_sites(doc)

    def get_site(self, site_id: str) -> SiteDetail:
        return parse_site_detail(self._get("/sites/{site_id}", site_id=site_id))

    def list_environments(self, site_id: str) -> list[Environment]:
        return parse_environments(self._get("/sites/{site_id}/environments", site_id=site_id))

    def analytics(
        self, env_id: str, metric: str, *, start: date, end: date, time_zone: str = "00:00"
    ) -> list[DailyValue]:
        """Daily values of ``metric`` for ``env_id`` from ``start`` to ``end`` inclusive (REFERENCE §4.3).

        Ranges longer than 60 days are fetched in 60-day pieces. Only days present in the responses are
        returned: a missing day is a gap, never a zero.
        """
        if metric not in ANALYTICS_METRICS:
            raise ValueError(f"unknown analytics metric {metric!r}; expected one of {sorted(ANALYTICS_METRICS)}")
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        path = f"/sites/environments/{{env_id}}/analytics/{metric}"
        endpoint = f"GET {path}"
        values: dict[date, int] = {}
        chunk_start = start
        while chunk_start <= end:
            chunk_end = min(end, chunk_start + timedelta(days=ANALYTICS_MAX_DAYS - 1))
            # Analytics take company_id, not company (REFERENCE §1.2); time_zone is required only for
            # diskspace (§4.3). 202 is the documented success code; _request accepts any 2xx.
            params = {
                "company_id": self.company_id,
                "from": chunk_start.isoformat(),
                "to": chunk_end.isoformat(),
            }
            if metric == "diskspace":
                params["time_zone"] = time_zone
            doc = self._get(path, params=params, env_id=env_id)
            for point in parse_analytics(doc, metric, endpoint=endpoint):
                # Whether "to" is inclusive is UNKNOWN (§4.3); drop anything outside the piece asked for
                # so that adjacent pieces never overlap.
                if chunk_start <= point.day <= chunk_end:
                    values[point.day] = point.value
            chunk_start = chunk_end + timedelta(days=1)
        return [DailyValue(day=day, value=values[day]) for day in sorted(values)]

    def this_month_usage(self, site_id: str) -> SiteUsage:
        """Plan usage of the current billing month, per site (REFERENCE §4.4)."""
        numbers = {}
        for kind in ("visits", "bandwidth", "cdn-bandwidth"):
            path = f"/sites/{{site_id}}/usage/{kind}/this-month"
            numbers[kind] = parse_usage(self._get(path, site_id=site_id), kind, endpoint=f"GET {path}")
        return SiteUsage(
            site_id=site_id,
            visits=numbers["visits"],
            bandwidth=numbers["bandwidth"],
            cdn_bandwidth=numbers["cdn-bandwidth"],
        )

    def list_users(self) -> Parsed[CompanyUser]:
        return parse_users(self._get("/company/{id}/users", id=self.company_id))

    def activity_logs(self, *, offset: int = 0, limit: int = 100) -> ActivityPage:
        """One page of the company activity log (REFERENCE §3.5); the API's default page size is 10."""
        doc = self._get("/company/{id}/activity-logs", params={"offset": offset, "limit": limit}, id=self.company_id)
        return parse_activity_logs(doc)

    def iter_activity_logs(self, *, stop_at_ids: Container[int] = (), page_size: int = 100) -> Iterator[ActivityPage]:
        """Pages from newest to oldest until one holds an id in ``stop_at_ids`` (that page is still
        yielded) or the offset reaches ``total``.

        Ordering is INFERRED newest first (REFERENCE §3.5, §10.8); callers should upsert by id anyway.
        """
        offset = 0
        while True:
            page = self.activity_logs(offset=offset, limit=page_size)
            yield page
            if any(entry.id in stop_at_ids for entry in page.items):
                return
            offset += page.size
            if page.size == 0 or offset >= page.total:
                return

    def list_regions(self) -> Parsed[Region]:
        return parse_regions(self._get("/company/{id}/available-regions", id=self.company_id))

    def list_api_keys(self) -> Parsed[ApiKeyInfo]:
        return parse_api_keys(self._get("/company/{id}/api-keys", id=self.company_id))
