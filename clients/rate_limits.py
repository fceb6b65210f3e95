"""Request counters per clock window (`count_request`, in the `limits` cache), and the limits built on them.

Share-link PDFs (dashboard.delivery) count per link and minute. Password-reset mails: without them
anyone could make the app send an address reset mails
without end (flooding the inbox, and the agency's mail server reputation with it).

Two counts per clock hour:

- **Per e-mail address**: at most `PASSWORD_RESET_MAX_PER_EMAIL_HOUR` requests for one address get a mail.
  Further requests look exactly like a successful one (the same redirect to "Check your e-mail") but send
  nothing. They are counted whether or not the address belongs to an account, so the limit tells nobody
  which addresses do.
- **Per visitor address** (`clients.visitor_address`, the address the login throttle counts too): at most
  `PASSWORD_RESET_MAX_PER_ADDRESS_HOUR` requests; further ones get HTTP 429 "too many requests". An IPv6
  visitor counts per /64 network: one host usually has a whole /64 to pick addresses from.

The counters live in the `limits` cache (settings.CACHES): small entries kept apart from the report cache,
whose large entries would otherwise push them out. Each counter's key names its hour; `cache.add` creates it
(atomic: only the first request of the hour does) and `cache.incr` counts (atomic in Redis and in a process's
LocMemCache). With `REDIS_URL` every web process shares the counts; without it each process counts on its
own, so N processes allow up to N times the limits.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from clients.visitor_address import visitor_address

WINDOW_SECONDS = 3600


def count_request(scope: str, value: str, *, window: int = WINDOW_SECONDS) -> int:
    """Count one more request of `scope` for `value` in the current window (of `window` seconds, aligned to
    the clock); the window's count so far. Used for password resets here and share-link PDFs in delivery."""
    now = time.time()
    key = f"{scope}:{window}:{int(now // window)}:{value}"
    # Dropped a minute after its window ends: the next window's requests use another key anyway.
    timeout = seconds_left_in_window(now, window=window) + 60
    limits = caches["limits"]
    for _ in range(2):
        limits.add(key, 0, timeout=timeout)
        try:
            return limits.incr(key)
        except ValueError:  # the counter went (evicted) between add and incr: create it again
            continue
    return 1


def seconds_left_in_window(now: float | None = None, *, window: int = WINDOW_SECONDS) -> int:
    """Seconds until the current window's counts end (the 429's Retry-After)."""
    now = time.time() if now is None else now
    return window - int(now % window)


def visitor_key(request: HttpRequest) -> str:
    """What the per-visitor limit counts: the visitor's IPv4 address, or their IPv6 /64 network."""
    address = visitor_address(request) or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def allow_visitor(request: HttpRequest) -> bool:
    """Count this reset request against its visitor; False once the visitor is over the hour's limit."""
    return count_request("password-reset:visitor", visitor_key(request)) <= settings.PASSWORD_RESET_MAX_PER_ADDRESS_HOUR


def allow_email(email: str) -> bool:
    """Count a reset request for `email`; False once the address is over the hour's limit (send nothing).

    The address is hashed (as the form compares it: case does not count): no address is kept in the cache.
    """
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    return count_request("password-reset:email", digest) <= settings.PASSWORD_RESET_MAX_PER_EMAIL_HOUR
