"""Sites, their environments, labels and domains: models and parsers (REFERENCE §4.1, §4.2).

The short environment form of ``GET /sites/{site_id}`` and the full form of
``GET /sites?include_environments=true`` parse into the same ``Environment`` type. A site's labels are read
one by one: an unreadable label is dropped and reported in ``Parsed.warnings``, and its site is kept.

Plain Python: no Django imports.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AliasChoices, AliasPath, BeforeValidator, Field, ValidationError

from kinsta_sync.api.common import (
    ApiModel,
    KinstaId,
    Parsed,
    Text,
    none_to_empty_list,
    parse_items,
    readable_id,
    safe_value,
    validate,
    validation_error,
)
from kinsta_sync.api.errors import KinstaResponseError

__all__ = [
    "Domain",
    "Environment",
    "EnvironmentsEnvelope",
    "Label",
    "Site",
    "SiteDetail",
    "SiteDetailEnvelope",
    "SitesEnvelope",
    "parse_environments",
    "parse_site_detail",
    "parse_sites",
]

logger = logging.getLogger(__name__)


# --- models -------------------------------------------------------------------------------------------


class Label(ApiModel):
    """A site label. ``id`` is a string in the document and a number in public recordings of real
    responses (``{"id": 3335, "name": "launched"}``); both are read, as text."""

    id: KinstaId
    name: Text


class Domain(ApiModel):
    """Environment domain. Only id/name are required: S3's real-looking fixture lacks site_id/is_active."""

    id: KinstaId
    name: Text
    type: Text | None = None


class Environment(ApiModel):
    """Full form (``/sites?include_environments=true``, ``/sites/{id}/environments``) or the short form
    of ``/sites/{id}`` (REFERENCE §4.1): only id/name/display_name are required.
    """

    id: KinstaId
    name: Text
    display_name: Text
    is_premium: bool = False
    is_blocked: bool = False
    wordpress_version: str | None = None
    # Full form only; the CDN cache clear needs it (REFERENCE §7). Null when the CDN is off.
    cdn_cache_id: KinstaId | None = None
    # container_info.php_engine_version, e.g. "php8.3" (the "php" prefix is real, REFERENCE §4.1).
    php_version: str | None = Field(
        default=None,
        validation_alias=AliasChoices(AliasPath("container_info", "php_engine_version"), "php_version"),
    )
    domains: Annotated[list[Domain], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)
    # Kinsta spells this one in camelCase (VERIFIED, REFERENCE §4.1).
    primary_domain: Domain | None = Field(
        default=None, validation_alias=AliasChoices("primaryDomain", "primary_domain")
    )

    @property
    def is_live(self) -> bool:
        # REFERENCE §4.2: the live environment is the one named "live".
        return self.name == "live"


class Site(ApiModel):
    """``GET /sites`` item (REFERENCE §4.1). Labels: ``siteLabels`` (S1, current docs) or ``site_labels``
    (2023 blog sample); environments only with ``include_environments=true``."""

    id: KinstaId
    name: Text
    display_name: Text
    # Only "live" seen (REFERENCE §4.1); other values are kept as they come.
    status: Text
    labels: Annotated[list[Label], BeforeValidator(none_to_empty_list)] = Field(
        default_factory=list, validation_alias=AliasChoices("siteLabels", "site_labels")
    )
    environments: Annotated[list[Environment], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)


class _SitesCompany(ApiModel):
    sites: list[Any]


class SitesEnvelope(ApiModel):
    company: _SitesCompany


class SiteDetail(ApiModel):
    """``GET /sites/{site_id}`` (REFERENCE §4.1): has ``company_id``; environments in the short form."""

    id: KinstaId
    name: Text
    display_name: Text
    company_id: KinstaId
    status: Text
    labels: Annotated[list[Label], BeforeValidator(none_to_empty_list)] = Field(
        default_factory=list, validation_alias=AliasChoices("siteLabels", "site_labels")
    )
    environments: Annotated[list[Environment], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)


class SiteDetailEnvelope(ApiModel):
    site: SiteDetail


class _EnvironmentsSite(ApiModel):
    environments: list[Any]


class EnvironmentsEnvelope(ApiModel):
    site: _EnvironmentsSite


# --- parsers ------------------------------------------------------------------------------------------


# Both spellings of a site's labels, in the order Site.labels' AliasChoices prefers them (REFERENCE §4.1).
_LABEL_KEYS = ("siteLabels", "site_labels")


def _parse_site(endpoint: str, prefix: str, raw: Any) -> tuple[Site, list[KinstaResponseError]]:
    """One ``GET /sites`` item; its labels one by one, so an unreadable label costs only itself.

    Raises ``ValidationError`` when the site itself cannot be read. Returns the site with the labels that
    could be read, and a warning for each one that could not (or for a labels value that is not a list).
    """
    key = next((k for k in _LABEL_KEYS if isinstance(raw, Mapping) and k in raw), None)
    if key is None:
        return Site.model_validate(raw), []
    site = Site.model_validate({k: v for k, v in raw.items() if k not in _LABEL_KEYS})
    raw_labels = raw[key]
    if raw_labels is None:  # null is "no labels", as for the other optional arrays
        return site, []
    path = f"{prefix}.{key}"
    if not isinstance(raw_labels, list):
        warning = KinstaResponseError(
            f"{endpoint}: {path}: expected a list of labels (value: {safe_value(raw_labels)})",
            endpoint=endpoint,
            field=path,
            item_id=site.id,
        )
        return site, [warning]
    labels: list[Label] = []
    warnings: list[KinstaResponseError] = []
    for index, raw_label in enumerate(raw_labels):
        try:
            labels.append(Label.model_validate(raw_label))
        except ValidationError as exc:
            warnings.append(validation_error(endpoint, exc, prefix=f"{path}[{index}]", item_id=site.id, item=raw_label))
    return site.model_copy(update={"labels": labels}), warnings


def parse_sites(doc: Any, *, endpoint: str = "GET /sites") -> Parsed[Site]:
    envelope = validate(endpoint, SitesEnvelope, doc)
    items: list[Site] = []
    errors: list[KinstaResponseError] = []
    warnings: list[KinstaResponseError] = []
    for index, raw in enumerate(envelope.company.sites):
        prefix = f"company.sites[{index}]"
        try:
            site, site_warnings = _parse_site(endpoint, prefix, raw)
        except ValidationError as exc:
            error = validation_error(endpoint, exc, prefix=prefix, item_id=readable_id(raw, ("id",)))
            logger.warning("%s", error)
            errors.append(error)
            continue
        for warning in site_warnings:
            logger.warning("%s (label left out, site kept)", warning)
        items.append(site)
        warnings += site_warnings
    return Parsed(items, errors, warnings)


def parse_site_detail(doc: Any, *, endpoint: str = "GET /sites/{site_id}") -> SiteDetail:
    return validate(endpoint, SiteDetailEnvelope, doc).site


def parse_environments(doc: Any, *, endpoint: str = "GET /sites/{site_id}/environments") -> list[Environment]:
    # Returned as a plain list (not Parsed): a site has a handful of environments, and a sync that
    # silently dropped one would later mark it removed.
    envelope = validate(endpoint, EnvironmentsEnvelope, doc)
    items, errors = parse_items(endpoint, "site.environments", Environment, envelope.site.environments)
    if errors:
        raise errors[0]
    return items
