from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def share(ratio: Decimal | float | None) -> str:
    """0.123456 -> "12.3 %" in the reader's locale; "" for None."""
    if ratio is None:
        return ""
    return pgettext("percent", "%(value)s%%") % {"value": floatformat(float(ratio) * 100, 1)}


@register.filter
def money(amount: Decimal | None) -> str:
    return "" if amount is None else floatformat(amount, 2)


@register.filter
def of(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
