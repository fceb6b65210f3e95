from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.translation import get_language, pgettext, to_locale

from dashboard.usage.models import DEFAULT_CURRENCY

register = template.Library()


@register.filter
def share(ratio: Decimal | float | None) -> str:
    """0.123456 -> "12.3 %" in the reader's locale; "" for None."""
    if ratio is None:
        return ""
    return pgettext("percent", "%(value)s%%") % {"value": floatformat(float(ratio) * 100, 1)}


@register.filter
def money(amount: Decimal | None, currency: str | None = None) -> str:
    """An amount with its currency in the reader's language: "$340.00" in English, "340,00 $" in German."""
    if amount is None:
        return ""
    return format_currency(
        Decimal(amount), currency or DEFAULT_CURRENCY, locale=to_locale(get_language() or settings.LANGUAGE_CODE)
    )


@register.filter
def of(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
