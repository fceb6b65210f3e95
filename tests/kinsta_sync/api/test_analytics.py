"""kinsta_sync.api.analytics: analytics and usage documents, against the OpenAPI document and REFERENCE.md's quirks.

No HTTP and no database: these tests call the parse functions the client uses on decoded JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kinsta_sync.api.analytics import parse_analytics, parse_usage
from kinsta_sync.api.errors import KinstaResponseError
from tests.kinsta_sync.api.helpers import openapi_examples

VISITS = "GET /sites/environments/{env_id}/analytics/visits"


# --- every endpoint the client parses, against the document -----------------------------------------


@pytest.mark.parametrize("metric", ["visits", "bandwidth", "cdn-bandwidth", "diskspace"])
def test_it_parses_the_analytics_examples(metric: str) -> None:
    # S1 documents 202 as the success code of the analytics endpoints (REFERENCE §4.3).
    for doc in openapi_examples(f"/sites/environments/{{env_id}}/analytics/{metric}", "202"):
        values = parse_analytics(doc, metric)
        dataset = doc["analytics"]["analytics_response"]["data"][0]["dataset"]
        assert [(v.day.isoformat(), v.value) for v in values] == [
            (point["key"][:10], int(point["value"])) for point in dataset
        ]


@pytest.mark.parametrize(
    ("kind", "inner", "field"),
    [
        ("visits", "this_month_usage", "visits"),
        ("bandwidth", "this_month_usage", "bandwidth"),
        ("cdn-bandwidth", "this_month_cdn_usage", "bandwidth"),
    ],
)
def test_it_parses_the_usage_examples(kind: str, inner: str, field: str) -> None:
    for doc in openapi_examples(f"/sites/{{site_id}}/usage/{kind}/this-month", "200"):
        assert parse_usage(doc, kind) == doc["site"][inner][field]


# --- quirks from REFERENCE.md ---------------------------------------------------------------------------


def _analytics_doc(*points: tuple[Any, Any], name: str = "uniqueip") -> dict[str, Any]:
    dataset = [{"key": key, "value": value} for key, value in points]
    return {
        "analytics": {"analytics_response": {"key": name, "data": [{"name": name, "total": 0, "dataset": dataset}]}}
    }


def test_it_reads_both_bucket_key_formats_as_the_same_day() -> None:
    naive = parse_analytics(_analytics_doc(("2025-10-28T00:00:00", "5")), "visits")
    zulu = parse_analytics(_analytics_doc(("2025-10-28T00:00:00.000Z", "5")), "visits")
    assert naive == zulu
    assert naive[0].day == date(2025, 10, 28)


def test_it_coerces_numeric_strings_and_numbers_to_int() -> None:
    doc = _analytics_doc(
        ("2025-10-01T00:00:00", "123"),
        ("2025-10-02T00:00:00", "123.0"),
        ("2025-10-03T00:00:00", 124),
        ("2025-10-04T00:00:00", 125.0),
        ("2025-10-05T00:00:00", " 1073741824 "),
    )
    values = parse_analytics(doc, "visits")
    assert [v.value for v in values] == [123, 123, 124, 125, 1073741824]
    assert all(type(v.value) is int for v in values)


def test_it_rejects_a_non_numeric_value_naming_endpoint_and_path() -> None:
    doc = _analytics_doc(("2025-10-01T00:00:00", "12"), ("2025-10-02T00:00:00", "n/a"))
    with pytest.raises(KinstaResponseError) as caught:
        parse_analytics(doc, "visits", endpoint=VISITS)
    message = str(caught.value)
    assert message.startswith(f"{VISITS}: analytics.analytics_response.data[0].dataset[1].value: ")
    assert "'n/a'" in message
    assert caught.value.field == "analytics.analytics_response.data[0].dataset[1].value"
    assert caught.value.endpoint == VISITS


@pytest.mark.parametrize("bad", [True, "", "12abc", "NaN", "Infinity", [], {}])
def test_it_rejects_values_that_only_look_like_numbers(bad: Any) -> None:
    with pytest.raises(KinstaResponseError, match=r"dataset\[0\]\.value"):
        parse_analytics(_analytics_doc(("2025-10-01T00:00:00", bad)), "visits")


def test_it_keeps_missing_and_null_days_as_gaps_and_sorts_days() -> None:
    doc = _analytics_doc(
        ("2025-10-03T00:00:00", "3"),
        ("2025-10-01T00:00:00", "1"),
        ("2025-10-04T00:00:00", None),
    )
    values = parse_analytics(doc, "visits")
    assert [(v.day.day, v.value) for v in values] == [(1, 1), (3, 3)]


def test_it_returns_no_days_for_an_empty_series() -> None:
    empty = {"analytics": {"analytics_response": {"key": "uniqueip", "data": []}}}
    assert parse_analytics(empty, "visits") == []


def test_it_picks_the_series_of_the_requested_metric_when_there_are_several() -> None:
    doc = _analytics_doc(("2025-10-01T00:00:00", "1"), name="something-else")
    doc["analytics"]["analytics_response"]["data"].append(
        {"name": "cdnBandwidth", "total": 9, "dataset": [{"key": "2025-10-01T00:00:00", "value": "9"}]}
    )
    assert parse_analytics(doc, "cdn-bandwidth")[0].value == 9


def test_it_rejects_a_broken_analytics_envelope() -> None:
    with pytest.raises(KinstaResponseError) as caught:
        parse_analytics({"analytics": {}}, "visits", endpoint=VISITS)
    assert str(caught.value) == f"{VISITS}: analytics.analytics_response: Field required"


def test_it_reads_the_cdn_usage_from_its_own_inner_key() -> None:
    doc = {"site": {"id": "s", "this_month_usage": {"bandwidth": 5}}}
    with pytest.raises(KinstaResponseError) as caught:
        parse_usage(doc, "cdn-bandwidth")
    assert str(caught.value) == (
        "GET /sites/{site_id}/usage/cdn-bandwidth/this-month: site.this_month_cdn_usage: Field required"
    )
    assert parse_usage({"site": {"id": "s", "this_month_cdn_usage": {"bandwidth": 1.6e10}}}, "cdn-bandwidth") == (
        16_000_000_000
    )
