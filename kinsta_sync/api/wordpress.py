"""WordPress inside an environment: installed plugins and themes, and backups (REFERENCE §5.1, §5.2).

Plain Python: no Django imports.

Two shapes of the plugin and theme lists are read, because Kinsta deprecated one in January 2026 without a
removal date (REFERENCE §5.1):

* current ``GET /sites/environments/{env_id}/wp-plugins`` (``…/wp-themes``): ``environment.plugins.items[]``
  (``environment.themes.items[]``), with ``is_version_vulnerable`` and, for plugins,
  ``is_update_version_vulnerable``;
* deprecated ``GET /sites/environments/{env_id}/plugins`` (``…/themes``):
  ``environment.container_info.wp_plugins.data[]`` (``wp_themes``), without any vulnerability flag.

A flag Kinsta did not send is None ("unknown"), never False: a report must not call a plugin safe because the
endpoint that answered cannot tell. Versions are strings only (6.10 sent as a number would read "6.1").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import AliasChoices, Field

from kinsta_sync.api.common import ApiModel, IntId, Parsed, Text, Timestamp, parse_items, safe_value
from kinsta_sync.api.errors import KinstaResponseError

__all__ = [
    "KINDS",
    "KIND_PLUGIN",
    "KIND_THEME",
    "Backup",
    "InstalledItem",
    "current_path",
    "legacy_path",
    "parse_backups",
    "parse_installed",
]

KIND_PLUGIN = "plugin"
KIND_THEME = "theme"
KINDS = (KIND_PLUGIN, KIND_THEME)


def current_path(kind: str) -> str:
    return f"/sites/environments/{{env_id}}/wp-{kind}s"


def legacy_path(kind: str) -> str:
    return f"/sites/environments/{{env_id}}/{kind}s"


class InstalledItem(ApiModel):
    """One plugin or theme of one environment, in either shape (REFERENCE §5.1)."""

    name: Text
    title: Text | None = None
    # "active", "inactive", "must-use", "dropin", … kept as sent.
    status: Text | None = None
    version: str | None = None
    # "available" when there is one; "none" or empty otherwise (INFERRED, REFERENCE §5.1).
    update: Text | None = None
    update_version: str | None = None
    update_status: Text | None = None
    is_version_vulnerable: bool | None = None
    is_update_version_vulnerable: bool | None = None
    # The name is INFERRED from the company inventory (REFERENCE §3.6, §5.1).
    auto_update: Text | None = Field(default=None, validation_alias=AliasChoices("auto_update_type", "auto_update"))

    @property
    def available_update(self) -> str | None:
        """The version an update would install, or None when Kinsta lists none."""
        if not self.update_version or self.update_version == self.version:
            return None
        if self.update is not None and self.update.strip().lower() not in ("available", ""):
            return None
        return self.update_version


class Backup(ApiModel):
    """``GET /sites/environments/{env_id}/backups`` item (REFERENCE §5.2)."""

    id: IntId
    name: Text | None = None
    note: Text | None = None
    # "manual" is seen; scheduled and system backups exist with UNKNOWN strings: kept as sent.
    type: Text = ""
    created_at: Timestamp  # epoch milliseconds on the wire


def _dig(doc: Any, path: tuple[str, ...]) -> Any:
    node = doc
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _shape_error(endpoint: str, path: str, value: Any) -> KinstaResponseError:
    return KinstaResponseError(
        f"{endpoint}: {path}: expected a list (value: {safe_value(value)})", endpoint=endpoint, field=path
    )


def parse_installed(doc: Any, kind: str, *, endpoint: str | None = None) -> Parsed[InstalledItem]:
    """A plugin or theme list in the current or the deprecated shape, item by item.

    The shape is recognised by where the list sits, not by the path that was called: a proxy or a future
    Kinsta that serves the other shape under either path is still read. A missing list is an error (an
    empty one is a site without plugins, which is different from "did not say").
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    endpoint = endpoint or f"GET {current_path(kind)}"
    candidates = (
        ((("environment", f"{kind}s", "items")), f"environment.{kind}s.items"),
        ((("environment", "container_info", f"wp_{kind}s", "data")), f"environment.container_info.wp_{kind}s.data"),
    )
    for path, prefix in candidates:
        raw = _dig(doc, path)
        if raw is None:
            continue
        if not isinstance(raw, list):
            raise _shape_error(endpoint, prefix, raw)
        items, errors = parse_items(endpoint, prefix, InstalledItem, raw, id_path=("name",))
        return Parsed(items, errors)
    raise KinstaResponseError(
        f"{endpoint}: environment: no {kind} list (expected {candidates[0][1]} or {candidates[1][1]})",
        endpoint=endpoint,
        field="environment",
    )


def parse_backups(doc: Any, *, endpoint: str = "GET /sites/environments/{env_id}/backups") -> Parsed[Backup]:
    raw = _dig(doc, ("environment", "backups"))
    if raw is None and isinstance(_dig(doc, ("environment",)), Mapping) and "backups" in doc["environment"]:
        raw = []  # "backups": null is an environment without backups
    if raw is None:
        raise KinstaResponseError(f"{endpoint}: environment.backups: missing", endpoint=endpoint, field="environment")
    if not isinstance(raw, list):
        raise _shape_error(endpoint, "environment.backups", raw)
    items, errors = parse_items(endpoint, "environment.backups", Backup, raw)
    return Parsed(items, errors)
