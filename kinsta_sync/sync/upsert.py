"""Write only what changed: compare incoming rows with the stored ones and bulk-upsert the difference.

A second sync of the same data writes nothing, and every row is counted as created, updated or unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model

if TYPE_CHECKING:
    from kinsta_sync.sync.run import Counts


def _diff(existing: dict[Any, dict[str, Any]], key: Any, values: dict[str, Any]) -> str:
    """'created', 'updated' or 'unchanged' for one incoming row against the stored field values."""
    current = existing.get(key)
    if current is None:
        return "created"
    return "unchanged" if all(current.get(f) == v for f, v in values.items()) else "updated"


def _upsert_changed(
    model: type[Model],
    incoming: dict[Any, dict[str, Any]],
    *,
    stored: dict[Any, dict[str, Any]],
    counts: Counts,
    unique_fields: list[str],
    on_create: dict[str, Any],
    on_write: dict[str, Any] | None = None,
) -> None:
    """Write the incoming rows whose values differ from the stored ones, in one bulk upsert, and count
    every row as created, updated or unchanged.

    `incoming` maps Kinsta ids to field values and `stored` maps them to the stored values of the same
    fields; the values are what an update writes, `on_create` only goes into the new rows' other fields
    (the account, when a row was first seen), `on_write` goes into every row written, created or updated,
    and is not compared (a mark a later pass reads, cleared when the row changes). A second sync of the same
    data writes nothing.
    """
    on_write = on_write or {}
    rows: list[Model] = []
    update_fields: list[str] = []
    for kinsta_id, values in incoming.items():
        verdict = _diff(stored, kinsta_id, values)
        counts.record(verdict)
        if verdict != "unchanged":
            update_fields = update_fields or [*values, *on_write]
            rows.append(model(kinsta_id=kinsta_id, **on_create, **values, **on_write))
    if rows:
        model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields)
