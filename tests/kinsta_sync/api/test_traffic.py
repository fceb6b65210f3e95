"""kinsta_sync.api.traffic: the 2026 analytics documents in REFERENCE.md §4.3's (S3's) shapes, read liberally.

No HTTP and no database: the parse functions the client uses, on decoded JSON.
"""

from __future__ import annotations

from datetime import date

import pytest

from kinsta_sync.api.errors import KinstaResponseError
from kinsta_sync.api.traffic import parse_dispersion, parse_response_codes, parse_top_list

DAY = date(2025, 8, 19)


def envelope(key: str, data: object) -> dict[str, object]:
    return {"analytics": {"analytics_response": {"key": key, "data": data}}}


def test_it_reads_the_response_codes_example_and_keeps_unknown_codes_as_sent() -> None:
    doc = envelope(
        "responseCode",
        [
            {"response_code": "200", "data": [{"key": "2025-08-19T00:00:00.000Z", "value": "900"}]},
            {"response_code": 404, "data": [{"key": "2025-08-19T00:00:00", "value": 20}]},
            {"response_code": "499", "dataset": [{"key": "2025-08-19T00:00:00", "value": 3.0}]},
            {"response_code": "200", "data": [{"key": "2025-08-20T00:00:00", "value": None}]},
        ],
    )
    assert [(c.day, c.code, c.count) for c in parse_response_codes(doc)] == [
        (DAY, "200", 900),
        (DAY, "404", 20),
        (DAY, "499", 3),
    ]


def test_a_top_list_takes_counts_as_strings_or_numbers_and_sums_a_name_sent_twice() -> None:
    doc = envelope(
        "countries",
        [{"name": "United States", "views": "620"}, {"name": "Japan", "views": 410}, {"name": "Japan", "views": "5"}],
    )
    entries = parse_top_list(doc, endpoint="GET top-countries")
    assert [(e.name, e.count) for e in entries] == [("United States", 620), ("Japan", 415)]


def test_a_top_list_keeps_hostile_and_empty_names_as_sent() -> None:
    doc = envelope("referrers", [{"name": "<script>alert(1)</script>", "views": "7"}, {"name": None, "views": "2"}])
    assert [(e.name, e.count) for e in parse_top_list(doc, endpoint="x")] == [("<script>alert(1)</script>", 7), ("", 2)]


def test_the_dispersion_is_read_in_hundredths_of_a_percent_with_unknown_devices_kept() -> None:
    doc = envelope(
        "dispersion",
        [
            {"name": "desktop", "dataset": [{"date": "2025-08-19T00:00:00.000Z", "percent": "62.50"}]},
            {"name": "mobile", "dataset": [{"date": "2025-08-19T00:00:00.000Z", "percent": 35}]},
            {"name": "smart-tv", "dataset": [{"key": "2025-08-19T00:00:00", "value": "2.5"}]},
        ],
    )
    assert [(s.device, s.basis_points) for s in parse_dispersion(doc)] == [
        ("desktop", 6250),
        ("mobile", 3500),
        ("smart-tv", 250),
    ]


@pytest.mark.parametrize(
    ("parse", "doc"),
    [
        (
            parse_response_codes,
            envelope("responseCode", [{"response_code": "200", "data": [{"key": "2025-08-19", "value": "n/a"}]}]),
        ),
        (
            lambda d: parse_top_list(d, endpoint="GET top-countries"),
            envelope("countries", [{"name": "Japan", "views": "lots"}]),
        ),
        (
            parse_dispersion,
            envelope("dispersion", [{"name": "desktop", "dataset": [{"date": "2025-08-19", "percent": "140"}]}]),
        ),
        (parse_response_codes, {"analytics": {}}),
        (parse_response_codes, envelope("responseCode", [{"response_code": "200", "data": [{"key": "2025-08-19"}]}])),
    ],
)
def test_a_value_that_is_no_number_is_refused_not_read_as_zero(parse, doc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KinstaResponseError):
        parse(doc)
