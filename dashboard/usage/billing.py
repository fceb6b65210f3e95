"""Billing months: a plan's month runs from its billing day to the day before the next one.

A billing day past the end of a shorter month falls on that month's last day (31 -> 28 February), as a
card charged on the 31st is. `YYYY-MM` names the billing month that starts in that calendar month.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class InvalidMonth(ValueError):
    pass


def _start(year: int, month: int, billing_day: int) -> date:
    return date(year, month, min(billing_day, calendar.monthrange(year, month)[1]))


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class BillingMonth:
    year: int
    month: int
    start: date
    end: date  # included

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self, billing_day: int) -> BillingMonth:
        year, month = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
        return billing_month(year, month, billing_day)

    def next(self, billing_day: int) -> BillingMonth:
        return billing_month(*_next(self.year, self.month), billing_day)


def billing_month(year: int, month: int, billing_day: int) -> BillingMonth:
    start = _start(year, month, billing_day)
    end = _start(*_next(year, month), billing_day) - timedelta(days=1)
    return BillingMonth(year, month, start, end)


def month_containing(day: date, billing_day: int) -> BillingMonth:
    current = billing_month(day.year, day.month, billing_day)
    return current if day >= current.start else current.previous(billing_day)


def parse_month(value: str, billing_day: int) -> BillingMonth:
    """`YYYY-MM` -> its billing month; InvalidMonth with a message a person can act on."""
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise InvalidMonth(f"month must be YYYY-MM (e.g. 2026-11), not {value[:20]!r}")
    return billing_month(int(match.group(1)), int(match.group(2)), billing_day)
