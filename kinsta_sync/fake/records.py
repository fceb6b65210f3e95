"""The fake agency's records: what the fake Kinsta serves, before it becomes JSON (REFERENCE.md §3, §4)."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

METRICS = ("visits", "bandwidth", "cdn-bandwidth", "diskspace")

# Activity-log categories accepted by the `category` filter (REFERENCE.md §3.5).
CATEGORIES = (
    "siteActions",
    "kinstaDns",
    "migrations",
    "billing",
    "notifications",
    "userManagement",
    "personalSettings",
    "samlSso",
)


class Ref(NamedTuple):
    """An ``(id, name)`` pair: a site label or a domain. Unpacks like a plain tuple.

    A label id made of digits only is served as a JSON number (see ``numeric_label_ids``).
    """

    id: str
    name: str


@dataclass
class FakeEnvironment:
    id: str
    site_id: str
    name: str  # "live" or "staging"
    display_name: str
    domains: list[Ref]
    primary_domain: Ref
    php_version: str  # with the "php" prefix Kinsta uses, e.g. "php8.3" (REFERENCE.md §4.1)
    wordpress_version: str | None
    is_premium: bool
    is_blocked: bool
    created_day: date
    container_id: str
    id_edge_cache: str | None
    cdn_cache_id: str | None
    web_root: str
    image_optimization_type: str | None
    is_opt_out_from_automatic_php_update: bool | None
    is_additional_sftp_accounts_enabled: bool
    ssh_port: str  # a string on the wire (REFERENCE.md §4.1)
    ssh_ip: str


@dataclass
class FakeSite:
    id: str
    name: str  # slug
    display_name: str
    status: str
    labels: list[Ref]
    environments: list[FakeEnvironment]
    created_day: date
    removed: bool = False

    @property
    def live(self) -> FakeEnvironment:
        return next(env for env in self.environments if env.name == "live")


@dataclass(frozen=True)
class FakeUser:
    id: str
    email: str
    full_name: str
    first_name: str
    role: str  # only shown inside activity logs; /company/{id}/users has no role (REFERENCE.md §3.2)

    @property
    def image(self) -> str:
        digest = hashlib.md5(self.email.lower().encode(), usedforsecurity=False).hexdigest()
        return f"https://www.gravatar.com/avatar/{digest}"


@dataclass(frozen=True)
class FakeApiKey:
    id: str
    name: str
    status: str  # active | revoked | expired
    expires_at: str | None  # ISO-8601 string (REFERENCE.md §3.3)


@dataclass(frozen=True)
class FakeActivity:
    id: int
    category: str
    type: str
    site_id: str | None
    created_at: int  # epoch milliseconds (REFERENCE.md §1.5)
    is_done: bool
    has_failed: bool
    has_warning: bool
    public_error: str | None
    ip_address: str | None
    initiated_by: FakeUser | None
    api_key: FakeApiKey | None
    user_agent: tuple[str, str, str] | None  # browser name, browser version, OS
    descriptions: list[str]


@dataclass(frozen=True)
class FakeRegion:
    name: str
    region: str


def uuid_from(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def slugify(text: str) -> str:
    out = "".join(ch if ch.isalnum() and ch.isascii() else "-" for ch in text.lower())
    return "-".join(part for part in out.split("-") if part)
