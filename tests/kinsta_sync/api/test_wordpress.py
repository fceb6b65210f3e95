"""kinsta_sync.api.wordpress: both plugin shapes, missing flags are unknown, backups in epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kinsta_sync.api.errors import KinstaResponseError
from kinsta_sync.api.wordpress import parse_backups, parse_installed

CURRENT = {"environment": {"plugins": {"items": [
    {"name": "akismet", "title": "Akismet Anti-Spam", "status": "active", "version": "5.3", "update": "available",
     "update_version": "5.3.1", "is_version_vulnerable": True, "is_update_version_vulnerable": False,
     "auto_update_type": "enabled", "x_new": 1},
    {"name": "hello", "title": "Hello Dolly", "status": "inactive", "version": "1.7.2", "update": "none",
     "update_version": None},
    {"title": "no name"},
]}}}  # fmt: skip
LEGACY = {"environment": {"id": "e", "container_info": {"id": "c", "wp_themes": {"data": [
    {"name": "astra", "title": "Astra", "status": "active", "version": "4.6.14", "update": "available",
     "update_version": "4.7.0", "update_status": None},
]}}}}  # fmt: skip


def test_the_current_shape_keeps_flags_and_drops_only_the_bad_item():
    parsed = parse_installed(CURRENT, "plugin")
    akismet, hello = parsed.items
    assert (akismet.is_version_vulnerable, akismet.is_update_version_vulnerable) == (True, False)
    assert akismet.available_update == "5.3.1" and akismet.auto_update == "enabled"
    assert hello.available_update is None and hello.is_version_vulnerable is None
    assert len(parsed.errors) == 1 and parsed.errors[0].item_id is None
    assert "environment.plugins.items[2].name" in str(parsed.errors[0])


def test_the_deprecated_shape_has_no_flags_so_they_are_unknown():
    (astra,) = parse_installed(LEGACY, "theme").items
    assert astra.is_version_vulnerable is None and astra.is_update_version_vulnerable is None
    assert astra.available_update == "4.7.0"


def test_a_version_sent_as_a_number_is_refused_and_a_missing_list_is_an_error():
    doc = {"environment": {"plugins": {"items": [{"name": "x", "version": 6.10}]}}}
    assert parse_installed(doc, "plugin").errors[0].item_id == "x"
    with pytest.raises(KinstaResponseError, match="no plugin list"):
        parse_installed({"environment": {}}, "plugin")


def test_backups_read_epoch_milliseconds_and_keep_unknown_types():
    doc = {"environment": {"display_name": "Live", "backups": [
        {"id": 123456789, "name": "n", "note": None, "type": "hourly-ish", "created_at": 1665382600770},
    ]}}  # fmt: skip
    (backup,) = parse_backups(doc).items
    assert backup.created_at == datetime(2022, 10, 10, 6, 16, 40, 770000, tzinfo=UTC)
    assert backup.type == "hourly-ish" and backup.note is None
    assert parse_backups({"environment": {"backups": None}}).items == []
    with pytest.raises(KinstaResponseError):
        parse_backups({"environment": {"backups": "no"}})
