"""The Kinsta REST API v2: thin, typed, strict at the edge (shared/STYLE.md 5.3). Plain Python, no Django.

* ``transport.py`` — the one place that calls httpx: timeouts, retries and backoff, rate-limit waits,
  decoding, redaction of the key.
* ``limits.py`` — the per-company rate budget (``RateLimiter``, ``limiter_for``) and rate-limit headers.
* ``errors.py`` — ``KinstaError`` and its subclasses.
* ``common.py`` — the coercion types (``KinstaId``, ``NumericInt``, ``Timestamp``, ``Text``), ``Parsed``
  and the item-by-item validation every parser uses.
* one module per resource, each with its pydantic models and parse functions: ``sites.py`` (sites,
  environments, labels, domains), ``analytics.py`` (time series and this month's usage), ``company.py``
  (key validation, users, API keys, regions, the activity log).
* ``client.py`` — ``KinstaClient``, the thin facade of endpoint methods.
* ``operations.py`` — the write calls (clear cache, restart PHP, clear the CDN and edge caches, manual
  backup) through ``KinstaClient._request`` like the reads, in the same rate budget (the transport refuses
  to repeat a write that may have reached Kinsta), and the polling of the operations they start: to done
  or failed, decided on the body's ``status``, with a grace period for the first 404s (REFERENCE §6).
"""

from __future__ import annotations

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.common import Parsed
from kinsta_sync.api.company import ActivityPage
from kinsta_sync.api.errors import (
    KinstaAuthError,
    KinstaError,
    KinstaNotFound,
    KinstaRateLimited,
    KinstaResponseError,
)
from kinsta_sync.api.limits import RateLimiter, limiter_for, reset_limiters
from kinsta_sync.api.transport import ClientStats

__all__ = [
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
    "reset_limiters",
]
