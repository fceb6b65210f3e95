"""The time axis of the report charts: each day's short label in the page's language ("Nov 1", "1. Nov."),
long periods grouped per week or month (buckets), and the date ticks under a chart.

Labels are written in Python, not by plotly, so the page, its hover and the PDF's Chromium (which knows
English month names only) say the same dates in the same words.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import formats
from django.utils.translation import get_language

Series = tuple[int | None, ...]


# The short date of axes, hover and legends, per language ("Nov 1", "1. Nov."); pages and the PDF's text
# use DATE_FORMAT. Django's format characters, so month names come from Django's translations.
_CHART_DATE = {"de": "j. N"}
_CHART_MONTH = {"de": "N Y"}
# Periods of this many days and more are drawn per week, and per month (bars per week or month).
WEEKLY_FROM_DAYS = 90
MONTHLY_FROM_DAYS = 300
# At most this many date labels under a chart (the first and the last day always among them).
MAX_DATE_TICKS = 8


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def short_date(day: date) -> str:
    """A day as the charts write it: "Nov 1" in English, "1. Nov." in German."""
    return _short_date(day, get_language() or "")


# A report's charts name the same days once per trace (x values, hover, the comparison): Django's date
# formatting is slow enough that doing it every time was most of the charts' time. Keyed by the active
# language, which is all the result depends on.
@functools.lru_cache(maxsize=4096)
def _short_date(day: date, language: str) -> str:
    return formats.date_format(day, _CHART_DATE.get(_language(), "M j"))


def short_month(day: date) -> str:
    return formats.date_format(day, _CHART_MONTH.get(_language(), "M Y"))


def date_range(first: date, last: date) -> str:
    return short_date(first) if first == last else f"{short_date(first)} \u2013 {short_date(last)}"


@dataclass(frozen=True)
class Bucket:
    """The days one bar or point of a chart stands for: a day, a week (Monday to Sunday) or a month,
    cut to the period."""

    first: date
    last: date
    start: int  # index of `first` in the period's days
    stop: int  # index after `last`

    def whole(self, kind: str) -> bool:
        """Whether the bucket has all its days (a period's first and last week or month may not)."""
        if kind == "week":
            return (self.last - self.first).days == 6
        if kind == "month":
            return self.first.day == 1 and (self.last + timedelta(days=1)).day == 1
        return True


def grain(days: Sequence[date]) -> str:
    """ "day", "week" (90 days and more) or "month" (300 days and more, e.g. 12 months)."""
    if len(days) >= MONTHLY_FROM_DAYS:
        return "month"
    if len(days) >= WEEKLY_FROM_DAYS:
        return "week"
    return "day"


def buckets(days: Sequence[date]) -> tuple[Bucket, ...]:
    """The period's bars or points (days, weeks or months), in order; computed once per period."""
    return _buckets(tuple(days))


@functools.lru_cache(maxsize=64)
def _buckets(days: tuple[date, ...]) -> tuple[Bucket, ...]:
    kind = grain(days)
    out: list[Bucket] = []
    for i, day in enumerate(days):
        if out and _key(out[-1].first, kind, out[-1].start) == _key(day, kind, i):
            out[-1] = Bucket(out[-1].first, day, out[-1].start, i + 1)
        else:
            out.append(Bucket(day, day, i, i + 1))
    return tuple(out)


def _key(day: date, kind: str, index: int) -> tuple[int, ...]:
    if kind == "week":
        return tuple(day.isocalendar()[:2])
    if kind == "month":
        return (day.year, day.month)
    return (index,)


def bucket_label(bucket: Bucket, kind: str) -> str:
    """How hover and the comparison name a bar: "Nov 1", "Nov 3 - Nov 9" (an en dash), "November 2026"."""
    if kind == "month" and bucket.whole(kind):
        return formats.date_format(bucket.first, "YEAR_MONTH_FORMAT")
    return date_range(bucket.first, bucket.last)


def group(values: Sequence[int | None], parts: Sequence[Bucket], *, gauge: bool = False) -> Series:
    """A daily series per bucket: summed, or for a gauge (disk usage) the bucket's latest reading. A bucket
    without any data is None (a gap), never zero."""
    out: list[int | None] = []
    for part in parts:
        present = [v for v in values[part.start : part.stop] if v is not None]
        if not present:
            out.append(None)
        else:
            out.append(present[-1] if gauge else sum(present))
    return tuple(out)


def x_values(days: Sequence[date]) -> list[str]:
    """The x categories of a chart over these days: one per bucket, named as hover shows them."""
    return list(_x_values(tuple(days), get_language() or ""))


@functools.lru_cache(maxsize=64)
def _x_values(days: tuple[date, ...], language: str) -> tuple[str, ...]:
    kind = grain(days)
    return tuple(bucket_label(part, kind) for part in buckets(days))


def _tick_indexes(n: int) -> list[int]:
    """Up to MAX_DATE_TICKS bucket indexes a whole step apart, counted back from the last (which always
    shows); the first label then often sits a little in, clear of the y axis' 0."""
    if n <= 0:
        return []
    step = max(1, math.ceil((n - 1) / (MAX_DATE_TICKS - 1)))
    return list(range(n - 1, -1, -step))[::-1]


def date_axis(days: Sequence[date]) -> dict[str, Any]:
    """The x axis: one category per bucket, labelled in the language's short form in Python (so the page and
    the PDF, whose Chromium has English month names only, write dates alike). The first and last labels sit
    clear of the y axis and the right edge."""
    kind = grain(days)
    parts = buckets(days)
    n = len(parts)
    ticks = _tick_indexes(n)
    if kind == "month":
        text = [short_month(parts[i].first) for i in ticks]
    else:
        text = [short_date(parts[i].first) for i in ticks]
    # Room for half a label on each side: about 3.5 % of the width, at least half a bar.
    pad = max(0.5, n * 0.035)
    return {
        "type": "category",
        "tickmode": "array",
        "tickvals": [bucket_label(parts[i], kind) for i in ticks],
        "ticktext": text,
        "tickangle": 0,
        "range": [-pad, n - 1 + pad],
        "fixedrange": True,
        "automargin": True,
    }
