"""Formatting for the report pages: localised numbers, bytes, changes, "no data", and query links.

Every tag escapes what it is given (format_html); values from Kinsta are never marked safe.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.http import QueryDict
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext

register = template.Library()

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}\Z")
DEFAULT_COLOR = "#4b2fd1"


def format_bytes(value: int) -> str:
    """Decimal units (1 GB = 1,000,000,000 bytes), as Kinsta's plans count them; localised separators."""
    size = float(value)
    unit = 0
    while abs(size) >= 1000 and unit < len(_UNITS) - 1:
        size /= 1000
        unit += 1
    decimals = 0 if unit == 0 or abs(round(size, 1)) >= 100 else 1
    # number_format() truncates extra decimals; round first so 75.56 GB reads 75.6, not 75.5.
    return f"{formats.number_format(round(size, decimals), decimal_pos=decimals)} {_UNITS[unit]}"


def format_count(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def format_percent(ratio: float) -> str:
    rounded = round(abs(ratio) * 100, 1)
    value = formats.number_format(rounded, decimal_pos=1)
    # A real minus sign; a change that rounds to 0.0 is shown as ±0.0 rather than +0.0 or -0.0.
    sign = "\u00b1" if rounded == 0 else "+" if ratio > 0 else "\u2212"
    # Translators: a percentage; German puts a space before the sign ("12,3 %").
    return sign + pgettext("percent", "%(value)s%%") % {"value": value}


@register.simple_tag
def metric(value: int | None, kind: str = "count") -> str:
    """A figure, or a visible "no data" (never a zero) when there is none."""
    if value is None:
        return format_html('<span class="nodata">{}</span>', gettext("no data"))
    text = format_bytes(value) if kind == "bytes" else format_count(value)
    if kind == "bytes":
        exact = gettext("%(bytes)s bytes") % {"bytes": format_count(value)}
        return format_html('<span title="{}">{}</span>', exact, text)
    return format_html("{}", text)


@register.simple_tag
def change(ratio: float | None, *, compared: bool = True, inverse: bool = False) -> str:
    """A change badge: arrow, signed percentage and a screen-reader word; "—" without a comparison."""
    if not compared:
        return ""
    if ratio is None:
        return format_html(
            '<span class="change none" title="{}">—</span>', gettext("No change can be computed: no data to compare")
        )
    if round(ratio * 100, 1) == 0:
        direction, arrow, word = "flat", "■", gettext("unchanged")
    elif ratio > 0:
        direction, arrow, word = "up", "▲", gettext("up")
    elif ratio < 0:
        direction, arrow, word = "down", "▼", gettext("down")
    else:
        direction, arrow, word = "flat", "■", gettext("unchanged")
    return format_html(
        '<span class="change {}"><span aria-hidden="true">{}</span> <span class="visually-hidden">{}</span>{}</span>',
        direction,
        arrow,
        word,
        format_percent(ratio),
    )


@register.filter
def percent(ratio: float | None) -> str:
    return "" if ratio is None else format_percent(ratio)


@register.filter
def safe_color(value: Any) -> str:
    """A #RRGGBB colour for a style attribute, or the default: nothing else may reach the CSS."""
    return value if isinstance(value, str) and _HEX_COLOR.match(value) else DEFAULT_COLOR


@register.simple_tag
def query_with(query: QueryDict, **changes: Any) -> str:
    """The current query string with some parameters replaced (None or "" removes one): `?a=1&b=2`."""
    updated = query.copy()
    for key, value in changes.items():
        if value is None or value == "":
            updated.pop(key, None)
        else:
            updated[key] = str(value)
    encoded = updated.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def change_of(row: Any, metric_name: str) -> float | None:
    """`row.change(metric)` for an OverviewRow (templates cannot pass arguments to methods)."""
    return row.change(metric_name)
