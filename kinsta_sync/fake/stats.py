"""What the fake counts: requests by route, the highest rate in any sliding minute, and its rate windows."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 60.0


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
            return {
                "requests": self.requests,
                "throttled": self.throttled,
                "max_rate_per_minute": self.max_rate_per_minute,
                "by_path": dict(self._by_path),
            }


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
