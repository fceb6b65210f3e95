"""The fake's routes, one module per resource: ``company``, ``sites``, ``analytics`` (and usage), ``traffic``,
``logs``, ``wordpress`` (plugins, themes, backups), ``operations`` (the writes and the operations they start).

Every handler takes the ``FakeKinsta`` and the ``Request`` and returns a ``Response`` (or raises ``ApiError``)."""

from __future__ import annotations

from ..wire import Route
from .analytics import ANALYTICS_KEYS, _analytics_handler, _usage_handler
from .company import company_activity, company_api_keys, company_regions, company_users, validate_key
from .logs import environment_logs
from .operations import (
    clear_cache,
    clear_cdn_cache,
    clear_edge_cache,
    get_operation,
    manual_backup,
    restart_php,
    update_plugin,
    update_theme,
)
from .sites import get_site, list_sites, site_environments
from .traffic import TRAFFIC_HANDLERS
from .wordpress import _installed_handler, environment_backups

ANALYTICS_PATH = "/sites/environments/{env_id}/analytics/"
USAGE_PATH = "/sites/{site_id}/usage/"

ROUTES: list[Route] = [
    Route("GET", "/validate", validate_key),
    Route("GET", "/sites", list_sites),
    Route("GET", "/sites/{site_id}", get_site),
    Route("GET", "/sites/{site_id}/environments", site_environments),
    *(Route("GET", f"{ANALYTICS_PATH}{metric}", _analytics_handler(metric)) for metric in ANALYTICS_KEYS),
    *(Route("GET", f"{ANALYTICS_PATH}{name}", handler) for name, handler in TRAFFIC_HANDLERS.items()),
    *(
        Route("GET", f"{USAGE_PATH}{metric}/this-month", _usage_handler(metric))
        for metric in ("visits", "bandwidth", "cdn-bandwidth")
    ),
    Route("GET", "/company/{id}/users", company_users),
    Route("GET", "/company/{id}/activity-logs", company_activity),
    Route("GET", "/company/{id}/available-regions", company_regions),
    Route("GET", "/company/{id}/api-keys", company_api_keys),
    Route("GET", "/sites/environments/{env_id}/logs", environment_logs, limit_kind="logs"),
    # Writes answer 202 with an operation id; the operation is polled at /operations/{id} (REFERENCE.md §6, §7).
    Route("POST", "/sites/tools/clear-cache", clear_cache),
    Route("POST", "/sites/tools/restart-php", restart_php),
    Route("POST", "/sites/cdn/clear-cache", clear_cdn_cache),
    Route("POST", "/sites/edge-caching/clear", clear_edge_cache),
    Route("POST", "/sites/environments/{env_id}/manual-backups", manual_backup),
    Route("PUT", "/sites/environments/{env_id}/plugins", update_plugin),
    Route("PUT", "/sites/environments/{env_id}/themes", update_theme),
    Route("GET", "/operations/{operation_id}", get_operation),
    *(
        Route("GET", f"/sites/environments/{{env_id}}/{prefix}{kind}s", _installed_handler(kind, legacy=not prefix))
        for kind in ("plugin", "theme")
        for prefix in ("wp-", "")
    ),
    Route("GET", "/sites/environments/{env_id}/backups", environment_backups),
]
