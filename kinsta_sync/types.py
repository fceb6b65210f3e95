"""Typed views of Kinsta API responses (pydantic v2), parsed once at the edge.

Every model ignores unknown fields (Kinsta adds fields without notice) and is frozen. Required fields are
the ones a report needs; everything else has a default so that the short environment form of
``GET /sites/{site_id}`` and the full form of ``GET /sites?include_environments=true`` parse into the same
``Environment`` type.

Envelope models (``*Envelope``) describe only the wrapper of each response. List items are typed as ``Any``
there and validated one by one by the client, so one malformed site is reported without losing the others.

Plain Python: no Django imports (shared/STYLE.md 5.2).
Reference for every shape: shared/kinsta-api/REFERENCE.md (cited per model as "REFERENCE §x.y").
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, AliasPath, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "ActivityEntry",
    "ActivityLogsEnvelope",
    "AnalyticsEnvelope",
    "AnalyticsPoint",
    "AnalyticsSeries",
    "ApiKeyInfo",
    "ApiKeysEnvelope",
    "BandwidthUsageEnvelope",
    "CdnBandwidthUsageEnvelope",
    "CompanyUser",
    "CompanyUserItem",
    "DailyValue",
    "Domain",
    "Environment",
    "EnvironmentsEnvelope",
    "KeyValidation",
    "Label",
    "Region",
    "RegionsEnvelope",
    "Site",
    "SiteDetail",
    "SiteDetailEnvelope",
    "SiteUsage",
    "SitesEnvelope",
    "UsersEnvelope",
    "VisitsUsageEnvelope",
    "format_loc",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- coercion helpers ---------------------------------------------------------------------------------


def _numeric_to_int(value: Any) -> Any:
    """Turn a JSON number or a numeric string into an int.

    Analytics values arrive as strings ("1073741824", REFERENCE §4.3) and usage numbers as JSON numbers
    (§4.4). "123.0" is accepted because a number-typed field may be serialised with a fraction; a real
    fraction is rounded half up (bytes and visits are whole numbers, so this only absorbs float noise).
    Anything else ("n/a", "", booleans) is rejected so a broken value never becomes a zero in a report.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return int(Decimal(repr(value)).to_integral_value(rounding=ROUND_HALF_UP))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected a numeric string, got {value[:40]!r}") from None
        if not number.is_finite():
            raise ValueError(f"expected a finite number, got {value[:40]!r}")
        return int(number.to_integral_value(rounding=ROUND_HALF_UP))
    raise ValueError(f"expected a number, got {type(value).__name__}")


def _epoch_ms_to_datetime(value: Any) -> Any:
    """Epoch milliseconds (a JSON number, or a digit string for /validate) -> aware UTC datetime.

    REFERENCE §1.5: activity-log ``created_at`` is a number, ``/validate`` ``expires_at`` a string.
    Converted explicitly: pydantic's own heuristic would read small values as seconds.
    """
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected epoch milliseconds, got {value!r}")
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected epoch milliseconds, got {value[:40]!r}") from None
    if isinstance(value, int | float | Decimal):
        try:
            return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch milliseconds out of range: {value}") from None
    raise ValueError(f"expected epoch milliseconds, got {type(value).__name__}")


def _as_utc(value: datetime | None) -> datetime | None:
    # ISO strings from Kinsta carry "Z"; a naive one is taken as UTC rather than local time.
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _bucket_to_date(value: Any) -> Any:
    """Analytics bucket key -> the calendar date it starts on.

    REFERENCE §4.3: S1 shows "2025-10-28T00:00:00" (no zone), S3 "2025-10-28T00:00:00.000Z". Both start
    a day; the date is read as written, without shifting time zones, because the series is requested in
    the zone given by ``time_zone`` and the bucket label already names that day.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(f"expected an ISO date-time bucket key, got {value[:40]!r}") from None
    raise ValueError(f"expected an ISO date-time bucket key, got {type(value).__name__}")


def _none_to_empty_list(value: Any) -> Any:
    # Optional arrays sometimes come back as null (descriptions is typed array|null in S1).
    return [] if value is None else value


NumericInt = Annotated[int, BeforeValidator(_numeric_to_int)]
EpochMs = Annotated[datetime, BeforeValidator(_epoch_ms_to_datetime)]
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
BucketDate = Annotated[date, BeforeValidator(_bucket_to_date)]


def format_loc(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """Render a pydantic error location as a JSON path.

    ("company", "sites", 3, "id") -> "company.sites[3].id"; ``prefix`` is the item's own path.
    """
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "<root>"


# --- company-level resources ------------------------------------------------------------------------


class KeyValidation(_Model):
    """``GET /validate`` (REFERENCE §3.1)."""

    name: str
    expires_at: EpochMs | None = None
    company: str
    status: str

    @property
    def is_active(self) -> bool:
        # S6 treats anything but "active" (any case) as unusable.
        return self.status.strip().lower() == "active"


class CompanyUser(_Model):
    """One entry of ``GET /company/{id}/users`` after unwrapping ``user`` (REFERENCE §3.2)."""

    id: str
    email: str
    full_name: str
    # S1 marks image required; a missing avatar is not worth dropping a user over.
    image: str | None = None


class CompanyUserItem(_Model):
    user: CompanyUser


class _UsersCompany(_Model):
    users: list[Any]


class UsersEnvelope(_Model):
    company: _UsersCompany


class ApiKeyInfo(_Model):
    """``GET /company/{id}/api-keys`` item (REFERENCE §3.3); ``expires_at`` is an ISO string or null."""

    id: str
    name: str
    status: str
    expires_at: UtcDatetime | None = None


class ApiKeysEnvelope(_Model):
    api_keys: list[Any]


class Region(_Model):
    """``GET /company/{id}/available-regions`` item (REFERENCE §3.4)."""

    region: str
    name: str


class _RegionsCompany(_Model):
    available_regions: list[Any]


class RegionsEnvelope(_Model):
    company: _RegionsCompany


class ActivityEntry(_Model):
    """``GET /company/{id}/activity-logs`` item (REFERENCE §3.5).

    ``initiated_by`` and ``api_key_info`` are flattened; both objects are optional or null.
    S1's example puts a surname in ``first_name``, so the name falls back to it only if ``full_name``
    is missing.
    """

    id: int
    site_id: str | None = None
    created_at: EpochMs
    type: str
    is_done: bool = False
    has_failed: bool = False
    has_warning: bool = False
    public_error: str | None = None
    ip_address: str | None = None
    initiated_by_id: str | None = Field(
        default=None, validation_alias=AliasChoices(AliasPath("initiated_by", "id"), "initiated_by_id")
    )
    initiated_by_name: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            AliasPath("initiated_by", "full_name"),
            AliasPath("initiated_by", "first_name"),
            "initiated_by_name",
        ),
    )
    initiated_by_role: str | None = Field(
        default=None, validation_alias=AliasChoices(AliasPath("initiated_by", "role"), "initiated_by_role")
    )
    api_key_name: str | None = Field(
        default=None, validation_alias=AliasChoices(AliasPath("api_key_info", "name"), "api_key_name")
    )
    descriptions: Annotated[list[str], BeforeValidator(_none_to_empty_list)] = Field(default_factory=list)


class _ActivityLogs(_Model):
    items: list[Any]
    total: NumericInt


class _ActivityCompany(_Model):
    activity_logs: _ActivityLogs


class ActivityLogsEnvelope(_Model):
    company: _ActivityCompany


# --- sites and environments ---------------------------------------------------------------------------


class Label(_Model):
    id: str
    name: str


class Domain(_Model):
    """Environment domain. Only id/name are required: S3's real-looking fixture lacks site_id/is_active."""

    id: str
    name: str
    type: str | None = None


class Environment(_Model):
    """Full form (``/sites?include_environments=true``, ``/sites/{id}/environments``) or the short form
    of ``/sites/{id}`` (REFERENCE §4.1): only id/name/display_name are required.
    """

    id: str
    name: str
    display_name: str
    is_premium: bool = False
    is_blocked: bool = False
    wordpress_version: str | None = None
    # container_info.php_engine_version, e.g. "php8.3" (the "php" prefix is real, REFERENCE §4.1).
    php_version: str | None = Field(
        default=None,
        validation_alias=AliasChoices(AliasPath("container_info", "php_engine_version"), "php_version"),
    )
    domains: Annotated[list[Domain], BeforeValidator(_none_to_empty_list)] = Field(default_factory=list)
    # Kinsta spells this one in camelCase (VERIFIED, REFERENCE §4.1).
    primary_domain: Domain | None = Field(
        default=None, validation_alias=AliasChoices("primaryDomain", "primary_domain")
    )

    @property
    def is_live(self) -> bool:
        # REFERENCE §4.2: the live environment is the one named "live".
        return self.name == "live"


class Site(_Model):
    """``GET /sites`` item (REFERENCE §4.1). Labels: ``siteLabels`` (S1, current docs) or ``site_labels``
    (2023 blog sample); environments only with ``include_environments=true``."""

    id: str
    name: str
    display_name: str
    status: str
    labels: Annotated[list[Label], BeforeValidator(_none_to_empty_list)] = Field(
        default_factory=list, validation_alias=AliasChoices("siteLabels", "site_labels")
    )
    environments: Annotated[list[Environment], BeforeValidator(_none_to_empty_list)] = Field(
        default_factory=list
    )


class _SitesCompany(_Model):
    sites: list[Any]


class SitesEnvelope(_Model):
    company: _SitesCompany


class SiteDetail(_Model):
    """``GET /sites/{site_id}`` (REFERENCE §4.1): has ``company_id``; environments in the short form."""

    id: str
    name: str
    display_name: str
    company_id: str
    status: str
    labels: Annotated[list[Label], BeforeValidator(_none_to_empty_list)] = Field(
        default_factory=list, validation_alias=AliasChoices("siteLabels", "site_labels")
    )
    environments: Annotated[list[Environment], BeforeValidator(_none_to_empty_list)] = Field(
        default_factory=list
    )


class SiteDetailEnvelope(_Model):
    site: SiteDetail


class _EnvironmentsSite(_Model):
    environments: list[Any]


class EnvironmentsEnvelope(_Model):
    site: _EnvironmentsSite


# --- analytics and usage ------------------------------------------------------------------------------


class DailyValue(_Model):
    day: date
    value: int


class AnalyticsPoint(_Model):
    key: BucketDate
    # null is read as "no data for this bucket" (a gap), never as zero. INFERRED: not seen in any source.
    value: NumericInt | None


class AnalyticsSeries(_Model):
    name: str | None = None
    dataset: Annotated[list[AnalyticsPoint], BeforeValidator(_none_to_empty_list)] = Field(
        default_factory=list
    )


class _AnalyticsResponse(_Model):
    key: str | None = None
    data: Annotated[list[AnalyticsSeries], BeforeValidator(_none_to_empty_list)]


class _Analytics(_Model):
    analytics_response: _AnalyticsResponse


class AnalyticsEnvelope(_Model):
    """``GET /sites/environments/{env_id}/analytics/{metric}`` time series (REFERENCE §4.3)."""

    analytics: _Analytics

    @property
    def series(self) -> list[AnalyticsSeries]:
        return self.analytics.analytics_response.data


class _VisitsUsage(_Model):
    visits: NumericInt


class _BandwidthUsage(_Model):
    bandwidth: NumericInt


class _VisitsUsageSite(_Model):
    id: str
    this_month_usage: _VisitsUsage


class _BandwidthUsageSite(_Model):
    id: str
    this_month_usage: _BandwidthUsage


class _CdnUsageSite(_Model):
    id: str
    # Different inner key from the other two usage endpoints (REFERENCE §4.4).
    this_month_cdn_usage: _BandwidthUsage


class VisitsUsageEnvelope(_Model):
    """``GET /sites/{site_id}/usage/visits/this-month`` (REFERENCE §4.4)."""

    site: _VisitsUsageSite


class BandwidthUsageEnvelope(_Model):
    """``GET /sites/{site_id}/usage/bandwidth/this-month`` (REFERENCE §4.4)."""

    site: _BandwidthUsageSite


class CdnBandwidthUsageEnvelope(_Model):
    """``GET /sites/{site_id}/usage/cdn-bandwidth/this-month`` (REFERENCE §4.4)."""

    site: _CdnUsageSite


class SiteUsage(_Model):
    """This billing month's plan usage of one site: three calls combined (REFERENCE §4.4)."""

    site_id: str
    visits: int
    bandwidth: int
    cdn_bandwidth: int
