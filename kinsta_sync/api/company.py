"""Company-level resources: key validation, users, API keys, regions, the activity log (REFERENCE §3).

Plain Python: no Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AliasChoices, AliasPath, BeforeValidator, Field

from kinsta_sync.api.common import (
    ApiModel,
    IntId,
    KinstaId,
    NumericInt,
    Parsed,
    Text,
    Timestamp,
    none_to_empty_list,
    parse_items,
    validate,
)
from kinsta_sync.api.errors import KinstaResponseError

__all__ = [
    "ActivityEntry",
    "ActivityLogsEnvelope",
    "ActivityPage",
    "ApiKeyInfo",
    "ApiKeysEnvelope",
    "CompanyUser",
    "CompanyUserItem",
    "KeyValidation",
    "Region",
    "RegionsEnvelope",
    "UsersEnvelope",
    "parse_activity_logs",
    "parse_api_keys",
    "parse_regions",
    "parse_users",
    "parse_validation",
]


# --- the key ------------------------------------------------------------------------------------------


class KeyValidation(ApiModel):
    """``GET /validate`` (REFERENCE §3.1)."""

    name: Text
    expires_at: Timestamp | None = None
    company: KinstaId
    status: Text

    @property
    def is_active(self) -> bool:
        # S6 treats anything but "active" (any case) as unusable.
        return self.status.strip().lower() == "active"


def parse_validation(doc: Any, *, endpoint: str = "GET /validate") -> KeyValidation:
    return validate(endpoint, KeyValidation, doc)


# --- users --------------------------------------------------------------------------------------------


class CompanyUser(ApiModel):
    """One entry of ``GET /company/{id}/users`` after unwrapping ``user`` (REFERENCE §3.2)."""

    id: KinstaId
    email: Text
    full_name: Text
    # S1 marks image required; a missing avatar is not worth dropping a user over.
    image: str | None = None


class CompanyUserItem(ApiModel):
    user: CompanyUser


class _UsersCompany(ApiModel):
    users: list[Any]


class UsersEnvelope(ApiModel):
    company: _UsersCompany


def parse_users(doc: Any, *, endpoint: str = "GET /company/{id}/users") -> Parsed[CompanyUser]:
    envelope = validate(endpoint, UsersEnvelope, doc)
    # Each list item wraps the user in a "user" object (REFERENCE §3.2).
    wrapped, errors = parse_items(
        endpoint, "company.users", CompanyUserItem, envelope.company.users, id_path=("user", "id")
    )
    return Parsed([item.user for item in wrapped], errors)


# --- API keys -----------------------------------------------------------------------------------------


class ApiKeyInfo(ApiModel):
    """``GET /company/{id}/api-keys`` item (REFERENCE §3.3); ``expires_at`` is an ISO string or null.

    ``status`` is documented as the enum active|revoked|expired; kept as text so a new state is not an error.
    """

    id: KinstaId
    name: Text
    status: Text
    expires_at: Timestamp | None = None


class ApiKeysEnvelope(ApiModel):
    api_keys: list[Any]


def parse_api_keys(doc: Any, *, endpoint: str = "GET /company/{id}/api-keys") -> Parsed[ApiKeyInfo]:
    envelope = validate(endpoint, ApiKeysEnvelope, doc)
    items, errors = parse_items(endpoint, "api_keys", ApiKeyInfo, envelope.api_keys)
    return Parsed(items, errors)


# --- regions ------------------------------------------------------------------------------------------


class Region(ApiModel):
    """``GET /company/{id}/available-regions`` item (REFERENCE §3.4)."""

    region: Text
    name: Text


class _RegionsCompany(ApiModel):
    available_regions: list[Any]


class RegionsEnvelope(ApiModel):
    company: _RegionsCompany


def parse_regions(doc: Any, *, endpoint: str = "GET /company/{id}/available-regions") -> Parsed[Region]:
    envelope = validate(endpoint, RegionsEnvelope, doc)
    items, errors = parse_items(endpoint, "company.available_regions", Region, envelope.company.available_regions)
    return Parsed(items, errors)


# --- the activity log ---------------------------------------------------------------------------------


class ActivityEntry(ApiModel):
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
    descriptions: Annotated[list[Text], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)


class _ActivityLogs(ApiModel):
    items: list[Any]
    total: NumericInt


class _ActivityCompany(ApiModel):
    activity_logs: _ActivityLogs


class ActivityLogsEnvelope(ApiModel):
    company: _ActivityCompany


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


def parse_activity_logs(doc: Any, *, endpoint: str = "GET /company/{id}/activity-logs") -> ActivityPage:
    envelope = validate(endpoint, ActivityLogsEnvelope, doc)
    logs = envelope.company.activity_logs
    items, errors = parse_items(endpoint, "company.activity_logs.items", ActivityEntry, logs.items)
    return ActivityPage(items=items, errors=errors, total=logs.total)
