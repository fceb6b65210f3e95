"""Template filters of the traffic section: a country in the active language, a share as a percentage."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

from dashboard.traffic.countries import country_name as _country_name

register = template.Library()


@register.filter
def country_name(sent: str) -> str:
    return _country_name(str(sent))


@register.filter
def device_name(sent: str) -> str:
    """Kinsta's device classes in the active language; any other name as sent (cut to 40 characters)."""
    names = {"desktop": gettext("Desktop"), "mobile": gettext("Mobile"), "tablet": gettext("Tablet")}
    text = str(sent)
    return names.get(text.strip().casefold(), text if len(text) <= 40 else text[:39] + "\u2026")


@register.filter
def percent(share: float | None, decimals: int = 1) -> str:
    """0.0042 -> "0.4 %" in the active language's format; None (no data) -> "no data", never "0 %"."""
    if share is None:
        return gettext("no data")
    return f"{number_format(round(share * 100, int(decimals)), decimal_pos=int(decimals), use_l10n=True)}\u00a0%"


@register.filter
def points(change: float | None) -> str:
    """A change of a share, in percentage points with a sign ("+0.3 pp"); None -> ""."""
    if change is None:
        return ""
    shown = round(change * 100, 1)
    sign = "+" if shown > 0 else "\u2212" if shown < 0 else "\u00b1"
    unit = gettext("pp")  # outside the f-string, where makemessages finds it
    return f"{sign}{number_format(round(abs(change) * 100, 1), decimal_pos=1, use_l10n=True)}\u00a0{unit}"
