"""Traffic quality: response codes, top lists (countries, referrers) and the device split (REFERENCE §4.3).

The 2026 analytics endpoints, known from one source only (S3's edited fixtures), so the parsers are liberal
where that source could be wrong and strict where a wrong guess would store a wrong number:

* codes, country names, referrers and device names are kept as Kinsta sends them (text; a number is kept
  as its digits), so a code or a device Kinsta adds tomorrow is stored, not dropped;
* counts may be strings or JSON numbers (``NumericInt``), percentages strings or numbers; "n/a" is refused
  (a broken value never becomes a zero);
* response codes' per-code series may be called ``data`` (S3) or ``dataset`` (the older metrics' name),
  their points ``key``/``value``; the dispersion's points ``date``/``percent`` (S3) or ``key``/``value``.

Plain Python: no Django imports.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field

from kinsta_sync.api.common import ApiModel, BucketDate, NumericInt, Text, none_to_empty_list, validate

__all__ = [
    "TOP_LISTS",
    "DailyCount",
    "DeviceShare",
    "TopEntry",
    "parse_dispersion",
    "parse_response_codes",
    "parse_top_list",
]

# REFERENCE §4.3: the top-N endpoints this project reads, by URL segment.
TOP_LISTS = frozenset({"top-countries", "top-referrers"})


def _percent_to_basis_points(value: Any) -> Any:
    """ "62.50" or 62.5 -> 6250 (hundredths of a percent, rounded half up); refuses anything else."""
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage, got {value!r}")
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip().removesuffix("%"))
        except InvalidOperation:
            raise ValueError(f"expected a percentage, got {str(value)[:40]!r}") from None
        if not number.is_finite() or not 0 <= number <= 100:
            raise ValueError(f"expected a percentage from 0 to 100, got {str(value)[:40]!r}")
        return int((number * 100).to_integral_value(rounding=ROUND_HALF_UP))
    raise ValueError(f"expected a percentage, got {type(value).__name__}")


def _none_to_empty_text(value: Any) -> Any:
    return "" if value is None else value


BasisPoints = Annotated[int, BeforeValidator(_percent_to_basis_points)]
# A name as sent: text (a number kept as its digits); null read as "" (e.g. direct traffic without a referrer).
Key = Annotated[Text, BeforeValidator(_none_to_empty_text)]
ItemList = Annotated[list[Any], BeforeValidator(none_to_empty_list)]


class DailyCount(ApiModel):
    """One day of one response code: ``count`` requests answered with ``code``."""

    day: date
    code: str
    count: int


class TopEntry(ApiModel):
    """One row of a top list: a country's name or a referrer as sent, and its count."""

    name: str
    count: int


class DeviceShare(ApiModel):
    """One day's share of one device class, in hundredths of a percent (6250 = 62.50 %)."""

    day: date
    device: str
    basis_points: int


class _Point(ApiModel):
    key: BucketDate = Field(validation_alias=AliasChoices("key", "date"))
    # null: no data that bucket (a gap), never zero; a missing value is an error, not a gap.
    value: NumericInt | None


class _CodeSeries(ApiModel):
    response_code: Key = Field(validation_alias=AliasChoices("response_code", "code", "name"))
    data: Annotated[list[_Point], BeforeValidator(none_to_empty_list)] = Field(
        default_factory=list, validation_alias=AliasChoices("data", "dataset")
    )


class _TopRow(ApiModel):
    name: Key = Field(validation_alias=AliasChoices("name", "key"))
    views: NumericInt = Field(validation_alias=AliasChoices("views", "value", "count"))


class _SharePoint(ApiModel):
    day: BucketDate = Field(validation_alias=AliasChoices("date", "key"))
    percent: BasisPoints | None = Field(validation_alias=AliasChoices("percent", "value"))


class _DeviceSeries(ApiModel):
    name: Key
    dataset: Annotated[list[_SharePoint], BeforeValidator(none_to_empty_list)] = Field(
        default_factory=list, validation_alias=AliasChoices("dataset", "data")
    )


class _Response(ApiModel):
    key: Text | None = None
    data: ItemList


class _Analytics(ApiModel):
    analytics_response: _Response


class _Envelope(ApiModel):
    analytics: _Analytics


def _rows(endpoint: str, doc: Any, model: type[ApiModel]) -> list[Any]:
    envelope = validate(endpoint, _Envelope, doc)
    return [
        validate(endpoint, model, row, prefix=f"analytics.analytics_response.data[{index}]")
        for index, row in enumerate(envelope.analytics.analytics_response.data)
    ]


def parse_response_codes(
    doc: Any, *, endpoint: str = "GET /sites/environments/{env_id}/analytics/response-codes"
) -> list[DailyCount]:
    """Every (day, code) count of a response-codes answer, sorted; a code sent twice for a day is summed."""
    counts: dict[tuple[date, str], int] = {}
    for series in _rows(endpoint, doc, _CodeSeries):
        for point in series.data:
            if point.value is not None:
                counts[(point.key, series.response_code)] = counts.get((point.key, series.response_code), 0) + (
                    point.value
                )
    return [DailyCount(day=day, code=code, count=count) for (day, code), count in sorted(counts.items())]


def parse_top_list(doc: Any, *, endpoint: str) -> list[TopEntry]:
    """The rows of a top-N answer (countries, referrers, ...), biggest first; a name sent twice is summed."""
    counts: dict[str, int] = {}
    for row in _rows(endpoint, doc, _TopRow):
        counts[row.name] = counts.get(row.name, 0) + row.views
    return [TopEntry(name=name, count=count) for name, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def parse_dispersion(
    doc: Any, *, endpoint: str = "GET /sites/environments/{env_id}/analytics/visits-dispersion"
) -> list[DeviceShare]:
    """Each day's share per device class, sorted by day and device."""
    shares: dict[tuple[date, str], int] = {}
    for series in _rows(endpoint, doc, _DeviceSeries):
        for point in series.dataset:
            if point.percent is not None:
                shares[(point.day, series.name)] = point.percent
    return [DeviceShare(day=day, device=device, basis_points=bp) for (day, device), bp in sorted(shares.items())]
