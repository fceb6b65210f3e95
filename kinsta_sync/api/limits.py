"""Rate budgets: the per-company limiter and the parsing of rate-limit headers (REFERENCE §8).

Kinsta's limit is per company (120 requests/minute, a separate budget for logs), shared with every other
tool of the agency, so the server's numbers (``RateLimit-Remaining``/``-Reset``, ``Retry-After``) win over
our own count. One limiter per company per process (``limiter_for``).

Plain Python: no Django imports.
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

__all__ = [
    "RETRY_AFTER_CAP",
    "RateLimiter",
    "header",
    "is_logs_path",
    "limiter_for",
    "reset_limiters",
    "retry_after_seconds",
]

RETRY_AFTER_CAP = 120.0  # seconds; a longer Retry-After is treated as this (a sync must not hang for hours)


def header(headers: Mapping[str, str], *names: str) -> str | None:
    """The first of ``names`` present and not blank in ``headers``, stripped; None otherwise."""
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


def retry_after_seconds(value: str | None, wall_clock: Callable[[], float]) -> float | None:
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
    * A caller that must stay responsive while it waits (a sync renewing its lease) passes ``heartbeat``
      to ``acquire()``/``pause()``: the wait is then slept in slices of at most ``heartbeat_every``
      seconds with a ``heartbeat()`` call after each. Whatever ``heartbeat`` raises ends the wait.

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
        heartbeat_every: float = 1.0,
    ) -> None:
        if requests_per_minute < 1 or logs_per_minute < 1:
            raise ValueError("rate limits must be at least 1 per minute")
        self.requests_per_minute = requests_per_minute
        self.logs_per_minute = logs_per_minute
        self.window = window
        self.heartbeat_every = heartbeat_every
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

    def acquire(self, path: str = "", *, heartbeat: Callable[[], None] | None = None) -> float:
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
            if heartbeat is not None:
                delay = min(delay, self.heartbeat_every)
            self._sleep(delay)
            waited += delay
            if heartbeat is not None:
                heartbeat()

    def pause(self, seconds: float, *, heartbeat: Callable[[], None] | None = None) -> float:
        """Sleep (with the injected sleep) and return the seconds slept; used for retry backoff."""
        if seconds <= 0:
            return 0.0
        if heartbeat is None:
            self._sleep(seconds)
            return seconds
        left = seconds
        while left > 0:
            step = min(left, self.heartbeat_every)
            self._sleep(step)
            left -= step
            heartbeat()
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
        remaining = _parse_float(header(headers, "RateLimit-Remaining", "X-RateLimit-Remaining"))
        if remaining is None or remaining > 0:
            return
        reset = self.reset_seconds(header(headers, "RateLimit-Reset", "X-RateLimit-Reset"))
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
