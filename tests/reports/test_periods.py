"""Report periods: presets, custom ranges, comparisons and the validation of bad queries."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.reports.periods import (
    CALENDAR,
    MAX_DAYS,
    InvalidPeriod,
    Period,
    compare_key,
    comparison_period,
    parse_period,
    preset_period,
)

TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("7d", date(2026, 3, 8), date(2026, 3, 14)),
        ("30d", date(2026, 2, 13), date(2026, 3, 14)),
        ("90d", date(2025, 12, 15), date(2026, 3, 14)),
        ("this_month", date(2026, 3, 1), date(2026, 3, 15)),
        ("last_month", date(2026, 2, 1), date(2026, 2, 28)),
        ("12m", date(2025, 3, 15), date(2026, 3, 14)),
    ],
)
def test_presets_end_yesterday_or_cover_calendar_months(preset, start, end):
    period = preset_period(preset, today=TODAY)
    assert (period.start, period.end, period.kind) == (start, end, preset)


def test_the_default_is_30_days_against_the_30_before():
    period, compare = parse_period({}, today=TODAY)
    assert (period.start, period.end, period.days) == (date(2026, 2, 13), date(2026, 3, 14), 30)
    assert (compare.start, compare.end, compare.days) == (date(2026, 1, 14), date(2026, 2, 12), 30)
    assert compare_key(compare) == "previous"


def test_a_calendar_month_compares_with_the_month_before():
    _, compare = parse_period({"period": "last_month"}, today=TODAY)
    assert (compare.start, compare.end) == (date(2026, 1, 1), date(2026, 1, 31))
    # A scheduled quarter (whole calendar months chosen as such) compares with the quarter before.
    compare = comparison_period(Period(date(2025, 1, 1), date(2025, 3, 31), CALENDAR), "previous")
    assert (compare.start, compare.end) == (date(2024, 10, 1), date(2024, 12, 31))


def test_a_custom_range_compares_with_as_many_days_before_even_when_it_is_whole_months():
    _, compare = parse_period({"start": "2025-01-01", "end": "2025-03-31"}, today=TODAY)
    # 90 days (January to March) against the 90 days before, not October to December (92 days).
    assert (compare.start, compare.end, compare.days) == (date(2024, 10, 3), date(2024, 12, 31), 90)


def test_month_to_date_compares_with_the_same_days_of_the_month_before():
    _, compare = parse_period({"period": "this_month"}, today=date(2026, 3, 31))
    # 1-31 March against 1-28 February: February has no more days.
    assert (compare.start, compare.end) == (date(2026, 2, 1), date(2026, 2, 28))
    _, compare = parse_period({"period": "this_month"}, today=TODAY)
    assert (compare.start, compare.end) == (date(2026, 2, 1), date(2026, 2, 15))


def test_same_period_last_year_clamps_leap_days():
    period = Period(date(2024, 2, 1), date(2024, 2, 29))
    compare = comparison_period(period, "year")
    assert (compare.start, compare.end, compare.kind) == (date(2023, 2, 1), date(2023, 2, 28), "year")


def test_no_comparison():
    period, compare = parse_period({"period": "7d", "compare": "none"}, today=TODAY)
    assert compare is None
    assert compare_key(compare) == "none"
    assert period.query("none") == {"period": "7d", "compare": "none"}


def test_a_custom_range_is_kept_as_dates_in_links():
    period, compare = parse_period({"start": "2026-01-05", "end": "2026-01-11", "compare": "year"}, today=TODAY)
    assert (period.start, period.end, period.kind) == (date(2026, 1, 5), date(2026, 1, 11), "custom")
    assert (compare.start, compare.end) == (date(2025, 1, 5), date(2025, 1, 11))
    assert period.query("year") == {"start": "2026-01-05", "end": "2026-01-11", "compare": "year"}


def test_a_preset_wins_over_prefilled_dates_of_the_same_form():
    period, _ = parse_period({"period": "7d", "start": "2026-01-05", "end": "2026-01-11"}, today=TODAY)
    assert period.kind == "7d"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13-01", "end": "2026-02-01"}, "valid date"),
        ({"start": "yesterday", "end": "2026-02-01"}, "valid date"),
        ({"start": "2026-02-01"}, "both a first and a last day"),
        ({"end": "2026-02-01"}, "both a first and a last day"),
        ({"period": "custom"}, "first and the last day"),
        ({"start": "2026-02-10", "end": "2026-02-01"}, "ends before it starts"),
        ({"start": "2023-01-01", "end": "2026-01-01"}, f"at most {MAX_DAYS} days"),
        ({"start": "2026-03-01", "end": "2026-03-20"}, "in the future"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "too early"),
        ({"period": "5y"}, "valid choice"),
        ({"compare": "<script>"}, "valid choice"),
        ({"start": "2026-01-01\x00", "end": "2026-01-02"}, "valid date"),
    ],
)
def test_bad_queries_raise_a_clear_message(query, message):
    with pytest.raises(InvalidPeriod) as caught:
        parse_period(query, today=TODAY)
    assert any(message in text for text in caught.value.messages), caught.value.messages


def test_a_range_of_exactly_the_maximum_is_allowed():
    end = date(2026, 3, 14)
    start = date.fromordinal(end.toordinal() - MAX_DAYS + 1)
    period, _ = parse_period({"start": start.isoformat(), "end": end.isoformat()}, today=TODAY)
    assert period.days == MAX_DAYS


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(date(2026, 1, 2), date(2026, 1, 1))
