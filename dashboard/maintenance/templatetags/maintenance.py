"""Template filters of the maintenance section: its data carries times as ISO strings (it is stored as JSON)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def isotime(value: str | None) -> datetime | None:
    """An ISO time from the section's data as an aware datetime in the current time zone (None stays None)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment
