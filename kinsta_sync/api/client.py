"""``KinstaClient``: the thin facade of endpoint methods for one Kinsta company (STYLE 5.3).

Each method names its endpoint, sends it through ``KinstaTransport`` (the one httpx caller) and parses the
answer with its resource module's parser (``sites``, ``analytics``, ``company``). Nothing else happens here.

Plain Python: no Django imports. Citations "REFERENCE §x" point to shared/kinsta-api/REFERENCE.md.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import httpx

from kinsta_sync.api.analytics import (
    ANALYTICS_MAX_DAYS,
    ANALYTICS_METRICS,
    DailyValue,
    SiteUsage,
    parse_analytics,
    parse_usage,
)
from kinsta_sync.api.common import Parsed
from kinsta_sync.api.company import (
    ActivityPage,
    ApiKeyInfo,
    CompanyUser,
    KeyValidation,
    Region,
    parse_activity_logs,
    parse_api_keys,
    parse_regions,
    parse_users,
    parse_validation,
)
from kinsta_sync.api.errors import KinstaNotFound
from kinsta_sync.api.limits import RateLimiter, limiter_for
from kinsta_sync.api.sites import Environment, Site, SiteDetail, parse_environments, parse_site_detail, parse_sites
from kinsta_sync.api.traffic import (
    TOP_LISTS,
    DailyCount,
    DeviceShare,
    TopEntry,
    parse_dispersion,
    parse_response_codes,
    parse_top_list,
)
from kinsta_sync.api.transport import DEFAULT_MAX_RESPONSE_BYTES, ClientStats, KinstaTransport
from kinsta_sync.api.wordpress import Backup, InstalledItem, current_path, legacy_path, parse_backups, parse_installed

__all__ = ["KinstaClient"]


class KinstaClient:
    """Read-only client for one Kinsta company (REFERENCE §2 lists the endpoints).

    Construct one per sync run; ``close()`` it (or use it as a context manager). ``transport`` is for
    tests (``httpx.WSGITransport(app=fake)``); production passes nothing. Settings reach it as arguments
    (``kinsta_sync.sync.client_for_account`` reads them), so this package never reads Django's.
    ``heartbeat``: see ``KinstaTransport``; a sync sets it to renew its lease while a call waits.
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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        self.company_id = company_id
        self._transport = KinstaTransport(
            base_url=base_url,
            api_key=api_key,
            limiter=limiter or limiter_for(company_id, requests_per_minute, logs_per_minute),
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            max_response_bytes=max_response_bytes,
            transport=transport,
            heartbeat=heartbeat,
        )

    def __repr__(self) -> str:
        return f"KinstaClient(base_url={self.base_url!r}, company_id={self.company_id!r})"

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> KinstaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def stats(self) -> ClientStats:
        return self._transport.stats

    @property
    def limiter(self) -> RateLimiter:
        return self._transport.limiter

    @property
    def heartbeat(self) -> Callable[[], None] | None:
        """Called at least every second while a call waits or reads (see ``KinstaTransport``)."""
        return self._transport.heartbeat

    @heartbeat.setter
    def heartbeat(self, heartbeat: Callable[[], None] | None) -> None:
        self._transport.heartbeat = heartbeat

    @property
    def _limiter(self) -> RateLimiter:
        return self._transport.limiter

    @_limiter.setter
    def _limiter(self, limiter: RateLimiter) -> None:
        # Tests hand two clients one limiter, as limiter_for() does for one company.
        self._transport.limiter = limiter

    def _request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        answer_statuses: Container[int] = (),
    ) -> tuple[int, Any]:
        """``(status, decoded JSON)`` of one call; the writes and the operation poll (``operations.py``) use this."""
        return self._transport.request(
            method, path, path_params=path_params, params=params, json=json, answer_statuses=answer_statuses
        )

    def _get(self, path: str, *, params: Mapping[str, Any] | None = None, **path_params: str) -> Any:
        return self._request("GET", path, path_params=path_params, params=params)[1]

    # --- company (REFERENCE §3) --------------------------------------------------------------------

    def validate(self) -> KeyValidation:
        """Which company the key belongs to and whether it is active (REFERENCE §3.1)."""
        return parse_validation(self._get("/validate"))

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

    # --- sites and environments (REFERENCE §4.1, §4.2) ---------------------------------------------

    def list_sites(self) -> Parsed[Site]:
        """All sites with their full environments in one call (REFERENCE §4.1, §4.2)."""
        doc = self._get("/sites", params={"company": self.company_id, "include_environments": "true"})
        return parse_sites(doc)

    def get_site(self, site_id: str) -> SiteDetail:
        return parse_site_detail(self._get("/sites/{site_id}", site_id=site_id))

    def list_environments(self, site_id: str) -> list[Environment]:
        return parse_environments(self._get("/sites/{site_id}/environments", site_id=site_id))

    # --- analytics and usage (REFERENCE §4.3, §4.4) ------------------------------------------------

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
            # diskspace (§4.3). 202 is the documented success code; the transport accepts any 2xx.
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

    # --- traffic quality (REFERENCE §4.3, the 2026 endpoints) ---------------------------------------

    def _range_params(self, start: date, end: date) -> dict[str, str]:
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        if (end - start).days + 1 > ANALYTICS_MAX_DAYS:
            raise ValueError(f"at most {ANALYTICS_MAX_DAYS} days per request, got {start} to {end}")
        return {"company_id": self.company_id, "from": start.isoformat(), "to": end.isoformat()}

    def response_codes(self, env_id: str, *, start: date, end: date) -> list[DailyCount]:
        """Requests per day and response code from ``start`` to ``end`` (at most 60 days, one request)."""
        path = "/sites/environments/{env_id}/analytics/response-codes"
        doc = self._get(path, params=self._range_params(start, end), env_id=env_id)
        return [c for c in parse_response_codes(doc, endpoint=f"GET {path}") if start <= c.day <= end]

    def top_list(self, env_id: str, kind: str, *, day: date) -> list[TopEntry]:
        """One day's top list (``top-countries`` or ``top-referrers``), as Kinsta truncates it."""
        if kind not in TOP_LISTS:
            raise ValueError(f"unknown top list {kind!r}; expected one of {sorted(TOP_LISTS)}")
        path = f"/sites/environments/{{env_id}}/analytics/{kind}"
        doc = self._get(path, params=self._range_params(day, day), env_id=env_id)
        return parse_top_list(doc, endpoint=f"GET {path}")

    def visits_dispersion(self, env_id: str, *, start: date, end: date) -> list[DeviceShare]:
        """Each day's share of desktop, mobile, tablet (and whatever else Kinsta names), one request."""
        path = "/sites/environments/{env_id}/analytics/visits-dispersion"
        doc = self._get(path, params=self._range_params(start, end), env_id=env_id)
        return [s for s in parse_dispersion(doc, endpoint=f"GET {path}") if start <= s.day <= end]

    # --- WordPress in an environment (REFERENCE §5.1, §5.2) -----------------------------------------

    def installed(self, env_id: str, kind: str, *, legacy: bool = False) -> tuple[Parsed[InstalledItem], bool]:
        """The plugins (``kind="plugin"``) or themes of one environment, and whether the deprecated path
        answered.

        The current ``wp-plugins`` / ``wp-themes`` path first; on 404 the deprecated ``plugins`` / ``themes``
        one (REFERENCE §5.1). ``legacy=True`` goes to the deprecated path straight away: once one
        environment of a company answered 404 on the current path, the others will too, and a sync asks
        each environment once instead of twice.
        """
        if not legacy:
            path = current_path(kind)
            try:
                return parse_installed(self._get(path, env_id=env_id), kind, endpoint=f"GET {path}"), False
            except KinstaNotFound:
                pass
        path = legacy_path(kind)
        return parse_installed(self._get(path, env_id=env_id), kind, endpoint=f"GET {path}"), True

    def backups(self, env_id: str) -> Parsed[Backup]:
        """Every backup Kinsta keeps for the environment: manual, scheduled and system ones (REFERENCE §5.2)."""
        return parse_backups(self._get("/sites/environments/{env_id}/backups", env_id=env_id))
