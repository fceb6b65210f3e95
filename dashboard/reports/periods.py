"""Report periods: the presets and custom ranges of the report URLs, and their comparison periods.

The query (DESIGN.md, "URLs"): `?period=7d|30d|90d|this_month|last_month|12m` or
`?start=YYYY-MM-DD&end=YYYY-MM-DD`, plus `&compare=previous|year|none`. `parse_period()` validates it with
a Form, so garbage becomes a message on the page (HTTP 400), never a 500.

Rolling presets (7, 30, 90 days, 12 months) end *yesterday*: Kinsta's figures for today are still growing,
and a half day would make every comparison look like a drop. `today` is the caller's (the client's time
zone for a report), so the server's clock never decides which day it is for a client in Sydney.

What a period is compared with ("previous", `comparison_period`) depends on how it was chosen, never on
the dates it happens to cover:
- A rolling period (7, 30 or 90 days, a custom range) is compared with as many days right before it.
  "30 days" on 1 December is 1-30 November against 2-31 October, not against October, although November
  is a whole calendar month.
- A calendar period is compared with the calendar period before: "last month" with the month before it,
  "12 months" with the 12 months before, and a scheduled report of a calendar month or quarter (kind
  `CALENDAR`) with as many calendar months before. "This month" (month to date) is compared with the same
  days of the month before.
- "Same period last year" takes the same dates a year earlier.
The two periods may then differ in length (November's 30 days against October's 31): the report says so,
and the changes of summed figures compare averages per day (`dashboard.reports.selectors.change_ratio`).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Custom ranges longer than this are refused (~2 years): a bigger range is a typo, not a report.
MAX_DAYS = 2 * 366
# No data exists before Kinsta did; refusing silly years keeps date arithmetic in range.
MIN_DATE = date(2000, 1, 1)

PRESET_7D = "7d"
PRESET_30D = "30d"
PRESET_90D = "90d"
PRESET_THIS_MONTH = "this_month"
PRESET_LAST_MONTH = "last_month"
PRESET_12M = "12m"
CUSTOM = "custom"
# Whole calendar months chosen as such (a scheduled report of a month or a quarter): compared with as many
# calendar months before. Not a preset: its links keep its dates, like a custom range's.
CALENDAR = "calendar"
PRESETS = (PRESET_7D, PRESET_30D, PRESET_90D, PRESET_THIS_MONTH, PRESET_LAST_MONTH, PRESET_12M)
PRESET_LABELS = {
    PRESET_7D: _("7 days"),
    PRESET_30D: _("30 days"),
    PRESET_90D: _("90 days"),
    PRESET_THIS_MONTH: _("This month"),
    PRESET_LAST_MONTH: _("Last month"),
    PRESET_12M: _("12 months"),
}
DEFAULT_PRESET = PRESET_30D

COMPARE_PREVIOUS = "previous"
COMPARE_YEAR = "year"
COMPARE_NONE = "none"
COMPARE_LABELS = {
    COMPARE_PREVIOUS: _("Previous period"),
    COMPARE_YEAR: _("Same period last year"),
    COMPARE_NONE: pgettext_lazy("comparison", "None"),
}
DEFAULT_COMPARE = COMPARE_PREVIOUS


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included."""

    start: date
    end: date
    # How it was chosen: a preset key or "custom" for a report period, "previous" or "year" for a
    # comparison period. Kept so the picker and links can say so.
    kind: str = CUSTOM

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def iter_days(self) -> Iterator[date]:
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def query(self, compare: str) -> dict[str, str]:
        """The URL query that reproduces this period (presets stay presets, so a bookmark keeps rolling)."""
        if self.kind in PRESETS:
            return {"period": self.kind, "compare": compare}
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "compare": compare}


class InvalidPeriod(ValueError):
    """The query does not describe a usable period. `messages` are for the page."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_back(day: date, months: int) -> date:
    """The same day `months` earlier, clamped to the month's end (31 March -> 28/29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def preset_period(preset: str, *, today: date) -> Period:
    yesterday = today - timedelta(days=1)
    if preset == PRESET_7D:
        return Period(yesterday - timedelta(days=6), yesterday, preset)
    if preset == PRESET_30D:
        return Period(yesterday - timedelta(days=29), yesterday, preset)
    if preset == PRESET_90D:
        return Period(yesterday - timedelta(days=89), yesterday, preset)
    if preset == PRESET_12M:
        return Period(_months_back(yesterday, 12) + timedelta(days=1), yesterday, preset)
    if preset == PRESET_THIS_MONTH:
        return Period(today.replace(day=1), today, preset)
    if preset == PRESET_LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last, preset)
    raise ValueError(f"Unknown period preset {preset!r}")


def is_whole_months(start: date, end: date) -> bool:
    """True when the days from `start` to `end` are whole calendar months (1 October to 30 November)."""
    return start.day == 1 and end == _month_end(end.year, end.month)


def _months(period: Period) -> int:
    """How many calendar months a calendar period spans (12 for "12 months", 3 for a quarter)."""
    if period.kind == PRESET_12M:
        return 12
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def comparison_period(period: Period, compare: str) -> Period | None:
    """The period to compare with (see the module docstring): for "previous", the calendar period before
    a calendar period, and as many days right before any other period; the same dates a year earlier for
    "year"; None for "none"."""
    if compare == COMPARE_NONE:
        return None
    if compare == COMPARE_YEAR:
        return Period(_months_back(period.start, 12), _months_back(period.end, 12), COMPARE_YEAR)
    if compare != COMPARE_PREVIOUS:
        raise ValueError(f"Unknown comparison {compare!r}")
    if period.kind in (PRESET_LAST_MONTH, PRESET_12M, CALENDAR):
        # Calendar months compare with as many calendar months before: November with October (31 days
        # against 30), the 12 months to yesterday with the 12 months before them.
        start = _months_back(period.start, _months(period))
        return Period(start, period.start - timedelta(days=1), COMPARE_PREVIOUS)
    if period.kind == PRESET_THIS_MONTH:
        # Month to date: the same days of the previous month (1-14 March vs 1-14 February).
        start = _months_back(period.start, 1)
        end = min(start + timedelta(days=period.days - 1), period.start - timedelta(days=1))
        return Period(start, end, COMPARE_PREVIOUS)
    # A rolling period (a preset of days or a custom range): as many days right before it, always.
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end, COMPARE_PREVIOUS)


class PeriodForm(forms.Form):
    """Validates the report query. Unknown parameters are ignored; every known one is checked."""

    period = forms.ChoiceField(
        choices=[(p, PRESET_LABELS[p]) for p in PRESETS] + [(CUSTOM, _("Custom range"))],
        required=False,
        label=_("Period"),
    )
    start = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label=_("From"))
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label=_("To"))
    compare = forms.ChoiceField(choices=list(COMPARE_LABELS.items()), required=False, label=_("Compare with"))

    def __init__(self, data: Mapping[str, Any], *, today: date, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        preset = cleaned.get("period") or ""
        if preset in PRESETS:
            # The picker is one form: with a preset chosen, the (pre-filled) custom dates are ignored.
            cleaned["start"] = cleaned["end"] = None
            return cleaned
        if start is None and end is None:
            if preset == CUSTOM:
                raise forms.ValidationError(_("Choose the first and the last day of the custom range."))
            return cleaned
        if start is None or end is None:
            raise forms.ValidationError(_("A custom range needs both a first and a last day."))
        if end < start:
            raise forms.ValidationError(_("The range ends before it starts."))
        if start < MIN_DATE:
            raise forms.ValidationError(
                _("The range starts too early (the earliest day is %(day)s)."), params={"day": MIN_DATE.isoformat()}
            )
        if end > self.today:
            raise forms.ValidationError(_("The range ends in the future."))
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("The range is too long: at most %(days)d days (about two years)."), params={"days": MAX_DAYS}
            )
        return cleaned

    def error_messages(self) -> list[str]:
        messages: list[str] = []
        for field, errors in self.errors.items():
            label = "" if field == NON_FIELD_ERRORS else f"{self.fields[field].label or field}: "
            messages.extend(f"{label}{error}" for error in errors)
        return messages


def parse_period(query: Mapping[str, Any], *, today: date) -> tuple[Period, Period | None]:
    """The period and comparison period a report query asks for; the default is 30 days vs the previous 30.

    Raises InvalidPeriod with messages for the page when the query is not usable.
    """
    form = PeriodForm(query, today=today)
    if not form.is_valid():
        raise InvalidPeriod(form.error_messages())
    data = form.cleaned_data
    compare = data.get("compare") or DEFAULT_COMPARE
    if data.get("start") is not None:
        period = Period(data["start"], data["end"])
    else:
        period = preset_period(data.get("period") or DEFAULT_PRESET, today=today)
    return period, comparison_period(period, compare)


def compare_key(compare_period: Period | None) -> str:
    """Which comparison the picker shows for a comparison period from `parse_period()`."""
    return COMPARE_NONE if compare_period is None else compare_period.kind


# Rolling presets in words (a period shown on its own, as in the list of share links).
_PRESET_PHRASES = {
    PRESET_7D: _("Last 7 days"),
    PRESET_30D: _("Last 30 days"),
    PRESET_90D: _("Last 90 days"),
    PRESET_12M: _("Last 12 months"),
}


def describe_query(query: Mapping[str, Any]) -> str:
    """A report query in words, in the active language: "Last 7 days, compared with the previous 7 days",
    "1 Oct 2026 to 31 Oct 2026, no comparison". Presets keep rolling, so they are named, not dated. A
    query that is not usable is shown as it is."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext, ngettext, pgettext

    preset = str(query.get("period") or "")
    compare = str(query.get("compare") or DEFAULT_COMPARE)
    days = 0
    if query.get("start") and query.get("end"):
        try:
            start, end = date.fromisoformat(str(query["start"])), date.fromisoformat(str(query["end"]))
        except ValueError:
            return "&".join(f"{key}={value}" for key, value in query.items())
        day_format = pgettext("a day in a sentence", "j M Y")
        what = gettext("%(start)s to %(end)s") % {
            "start": date_format(start, day_format),
            "end": date_format(end, day_format),
        }
        days = (end - start).days + 1
        preset = CUSTOM
    else:
        preset = preset or DEFAULT_PRESET
        if preset not in PRESETS:
            return "&".join(f"{key}={value}" for key, value in query.items())
        what = str(_PRESET_PHRASES.get(preset) or PRESET_LABELS[preset])
        days = {PRESET_7D: 7, PRESET_30D: 30, PRESET_90D: 90}.get(preset, 0)
    if compare == COMPARE_NONE:
        against = gettext("no comparison")
    elif compare == COMPARE_YEAR:
        against = gettext("compared with the same period last year")
    elif preset == PRESET_THIS_MONTH:
        against = gettext("compared with the same days of the month before")
    elif preset == PRESET_LAST_MONTH:
        against = gettext("compared with the month before")
    elif preset == PRESET_12M:
        against = gettext("compared with the 12 months before")
    else:
        against = ngettext("compared with the previous day", "compared with the previous %(days)d days", days) % {
            "days": days
        }
    return gettext("%(period)s, %(comparison)s") % {"period": what, "comparison": against}
