"""Strings from Kinsta are cut to a length cap before they are stored, and every cut is said on the run.

Two caps, from settings: `KINSTA_MAX_STRING_CHARS` (2,000) for names, display names, labels, domains,
e-mails, statuses and the other one-line values, and `KINSTA_MAX_TEXT_CHARS` (10,000) for the free text of
the activity log (descriptions, public errors). The longest legitimate values are far below them: a domain
name has at most 253 characters, an e-mail address 254, a URL rarely more than 2,000 (the sitemap protocol's
limit is 2,048), and names are typed into MyKinsta. Every report page, CSV, PDF and e-mail shows these
strings, up to 500 sites at a time: the caps keep one site's name to kilobytes where a 20 MB name would
cost megabytes per page and gigabytes per report.

A cut is a warning on the run (`level: "warning"` in `SyncRun.errors`, naming the step, endpoint, item
and field), not a failure: the row is stored with the first characters, and the run's status says whether
everything Kinsta sent was read. Keys (Kinsta ids, region codes) are never cut: two ids cut to the same
prefix would become one row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from collections.abc import Collection

    from kinsta_sync.sync.run import _Context


def fit(
    ctx: _Context,
    step: str,
    values: dict[str, Any],
    *,
    resource: str,
    item: str,
    endpoint: str,
    text_fields: Collection[str] = (),
) -> dict[str, Any]:
    """`values` with every string (and every string in a list) cut to its cap; each cut recorded on the run.

    `text_fields` get the free-text cap, the others the short one. `resource` and the key name the field
    in the warning ("site.display_name", "environment.domains[2]").
    """
    fitted: dict[str, Any] = {}
    for key, value in values.items():
        cap = _TEXT if key in text_fields else _SHORT
        if isinstance(value, str):
            value = _cut(ctx, step, value, f"{resource}.{key}", cap, item=item, endpoint=endpoint)
        elif isinstance(value, list):
            value = [
                _cut(ctx, step, v, f"{resource}.{key}[{i}]", cap, item=item, endpoint=endpoint)
                if isinstance(v, str)
                else v
                for i, v in enumerate(value)
            ]
        fitted[key] = value
    return fitted


_SHORT = "KINSTA_MAX_STRING_CHARS"
_TEXT = "KINSTA_MAX_TEXT_CHARS"


def _cut(ctx: _Context, step: str, text: str, name: str, setting: str, *, item: str, endpoint: str) -> str:
    limit = getattr(settings, setting)
    if len(text) <= limit:
        return text
    ctx.record_cut(step, endpoint=endpoint, item=item, field=name, length=len(text), limit=limit, setting=setting)
    return text[:limit]
