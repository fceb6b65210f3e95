"""Typed views of Kinsta API responses (pydantic v2), parsed once at the edge.

Every model ignores unknown fields (Kinsta adds fields without notice) and is frozen. Required fields are
the ones a report needs; everything else has a default so that the short environment form of
``GET /sites/{site_id}`` and the full form of ``GET /sites?include_environments=true`` parse into the same
``Environment`` type.

Envelope models (``*Envelope``) describe only the wrapper of each response. List items are typed as ``Any``
there and validated one by one by the client, so one malformed site is reported without losing the others.

Liberal where the document does not pin a thing down or real clients disagree (shared/STYLE.md 5.3): every
id is a ``KinstaId`` (a string or an integer, kept as text: public clients recorded label ids as numbers
against the live API although the document says string), integer ids an ``IntId``, every timestamp a
``Timestamp`` (each form REFERENCE §1.5 lists), names and other free text ``Text`` (a number is kept as its
digits), and no field is a Literal or an enum, so a value Kinsta adds tomorrow is kept as text. Strict where
a wrong guess would store a wrong number: analytics and usage values (``NumericInt`` rejects "n/a"), booleans
(pydantic's bool rejects "n/a"), versions (6.10 sent as a JSON number would read "6.1").

Plain Python: no Django imports (shared/STYLE.md 5.2).
Reference for every shape: shared/kinsta-api/REFERENCE.md (cited per model as "REFERENCE §x.y").
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AliasChoices, AliasPath, BaseModel, BeforeValidator, ConfigDict, Field

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


_EPOCH_MS_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_DIGITS = re.compile(r"[0-9]+")
# Integer ids are stored in a BIGINT column: one out of that range would fail its whole batch, not itself.
_MAX_INT_ID = 2**63 - 1


def _epoch_ms(value: int | float | Decimal) -> datetime:
    # Converted explicitly: pydantic's own heuristic would read small values as seconds.
    try:
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"epoch milliseconds out of range: {value}") from None


def _as_utc(value: datetime) -> datetime:
    # A naive time from Kinsta is taken as UTC rather than as this server's local time.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _to_timestamp(value: Any) -> Any:
    """Any timestamp form REFERENCE §1.5 lists -> an aware UTC datetime.

    * epoch milliseconds as a JSON number (activity-log ``created_at``, 1665382600770) or as a digit
      string (``/validate`` ``expires_at``, "1704081600000");
    * ISO-8601 with "Z" (``api_keys[].expires_at``, "2028-08-21T08:15:21.872Z"), with an offset, or naive
      (read as UTC).

    One type for every ``created_at`` and ``expires_at``: the form is documented per endpoint and the
    sources disagree on how faithfully, and a client that guessed wrong would lose the whole item over a
    format. Epoch *seconds* are not guessed: the document says milliseconds, and a guess would store a
    date in 1970 or in the year 50000.
    """
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, bool):
        raise ValueError(f"expected a timestamp, got {value!r}")
    if isinstance(value, int | float):
        return _epoch_ms(value)
    if isinstance(value, str):
        text = value.strip()
        if _EPOCH_MS_TEXT.fullmatch(text):
            return _epoch_ms(Decimal(text))
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected epoch milliseconds or an ISO-8601 time, got {value[:40]!r}") from None
        return _as_utc(parsed)
    raise ValueError(f"expected a timestamp, got {type(value).__name__}")


def _to_id(value: Any) -> Any:
    """An opaque id -> its text.

    Strings are kept as they are (REFERENCE §1.5: do not validate the UUID form). Integers become their
    digits: public clients recorded ``{"id": 3335, "name": "launched"}`` for labels against the live API
    where the document says string, and the same id as text or as a number is the same id. A float is
    refused (a JSON number above 2**53 loses digits, and a rounded id names another object), and so is a
    boolean.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected an id (a string or an integer), got {type(value).__name__}")


def _to_int_id(value: Any) -> Any:
    """An integer id (activity-log ``id``, REFERENCE §1.5) from an int or a digit string.

    Never a fraction or a float (it may have lost digits), never a boolean, and only within the BIGINT
    range it is stored in.
    """
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= _MAX_INT_ID:
            raise ValueError(f"integer id out of range: {value}")
        return value
    shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
    raise ValueError(f"expected an integer id (a whole number or a digit string), got {shown}")


def _to_text(value: Any) -> Any:
    """Free text (names, display names, types, statuses, messages): a number is kept as it reads (a site
    named 2024 is still named "2024"). A boolean is refused: it is more likely a wrong field than a name."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return value


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
Timestamp = Annotated[datetime, BeforeValidator(_to_timestamp)]
BucketDate = Annotated[date, BeforeValidator(_bucket_to_date)]
KinstaId = Annotated[str, BeforeValidator(_to_id)]
IntId = Annotated[int, BeforeValidator(_to_int_id)]
Text = Annotated[str, BeforeValidator(_to_text)]


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

    name: Text
    expires_at: Timestamp | None = None
    company: KinstaId
    status: Text

    @property
    def is_active(self) -> bool:
        # S6 treats anything but "active" (any case) as unusable.
        return self.status.strip().lower() == "active"


class CompanyUser(_Model):
    """One entry of ``GET /company/{id}/users`` after unwrapping ``user`` (REFERENCE §3.2)."""

    id: KinstaId
    email: Text
    full_name: Text
    # S1 marks image required; a missing avatar is not worth dropping a user over.
    image: str | None = None


class CompanyUserItem(_Model):
    user: CompanyUser


class _UsersCompany(_Model):
    users: list[Any]


class UsersEnvelope(_Model):
    company: _UsersCompany


class ApiKeyInfo(_Model):
    """``GET /company/{id}/api-keys`` item (REFERENCE §3.3); ``expires_at`` is an ISO string or null.

    ``status`` is documented as the enum active|revoked|expired; kept as text so a new state is not an error.
    """

    id: KinstaId
    name: Text
    status: Text
    expires_at: Timestamp | None = None


class ApiKeysEnvelope(_Model):
    api_keys: list[Any]


class Region(_Model):
    """``GET /company/{id}/available-regions`` item (REFERENCE §3.4)."""

    region: Text
    name: Text


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

    id: IntId
    site_id: KinstaId | None = None
    created_at: Timestamp
    # Free-form action code (full list UNKNOWN, REFERENCE §3.5): any text.
    type: Text
    is_done: bool = False
    has_failed: bool = False
    has_warning: bool = False
    public_error: Text | None = None
    ip_address: Text | None = None
    initiated_by_id: KinstaId | None = Field(
        default=None, validation_alias=AliasChoices(AliasPath("initiated_by", "id"), "initiated_by_id")
    )
    initiated_by_name: Text | None = Field(
        default=None,
        validation_alias=AliasChoices(
            AliasPath("initiated_by", "full_name"),
            AliasPath("initiated_by", "first_name"),
            "initiated_by_name",
        ),
    )
    initiated_by_role: Text | None = Field(
        default=None, validation_alias=AliasChoices(AliasPath("initiated_by", "role"), "initiated_by_role")
    )
    api_key_name: Text | None = Field(
        default=None, validation_alias=AliasChoices(AliasPath("api_key_info", "name"), "api_key_name")
    )
    descriptions: Annotated[list[Text], BeforeValidator(_none_to_empty_list)] = Field(default_factory=list)


class _ActivityLogs(_Model):
    items: list[Any]
    total: NumericInt


class _ActivityCompany(_Model):
    activity_logs: _ActivityLogs


class ActivityLogsEnvelope(_Model):
    company: _ActivityCompany


# --- sites and environments ---------------------------------------------------------------------------


class Label(_Model):
    """A site label. ``id`` is a string in the document and a number in public recordings of real
    responses (``{"id": 3335, "name": "launched"}``); both are read, as text."""

    id: KinstaId
    name: Text


class Domain(_Model):
    """Environment domain. Only id/name are required: S3's real-looking fixture lacks site_id/is_active."""

    id: KinstaId
    name: Text
    type: Text | None = None


class Environment(_Model):
    """Full form (``/sites?include_environments=true``, ``/sites/{id}/environments``) or the short form
    of ``/sites/{id}`` (REFERENCE §4.1): only id/name/display_name are required.
    """

    id: KinstaId
    name: Text
    display_name: Text
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

    id: KinstaId
    name: Text
    display_name: Text
    # Only "live" seen (REFERENCE §4.1); other values are kept as they come.
    status: Text
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

    id: KinstaId
    name: Text
    display_name: Text
    company_id: KinstaId
    status: Text
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
    name: Text | None = None
    dataset: Annotated[list[AnalyticsPoint], BeforeValidator(_none_to_empty_list)] = Field(
        default_factory=list
    )


class _AnalyticsResponse(_Model):
    key: Text | None = None
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
    id: KinstaId
    this_month_usage: _VisitsUsage


class _BandwidthUsageSite(_Model):
    id: KinstaId
    this_month_usage: _BandwidthUsage


class _CdnUsageSite(_Model):
    id: KinstaId
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

    site_id: KinstaId
    visits: int
    bandwidth: int
    cdn_bandwidth: int
