"""Analytics time series and this month's plan usage: models and parsers (REFERENCE §4.3, §4.4).

Plain Python: no Django imports.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from kinsta_sync.api.common import ApiModel, BucketDate, KinstaId, NumericInt, Text, none_to_empty_list, validate

__all__ = [
    "ANALYTICS_MAX_DAYS",
    "ANALYTICS_METRICS",
    "AnalyticsEnvelope",
    "AnalyticsPoint",
    "AnalyticsSeries",
    "BandwidthUsageEnvelope",
    "CdnBandwidthUsageEnvelope",
    "DailyValue",
    "SiteUsage",
    "VisitsUsageEnvelope",
    "parse_analytics",
    "parse_usage",
]

# REFERENCE §4.3: the four time-series metrics, by URL segment.
ANALYTICS_METRICS = frozenset({"visits", "bandwidth", "cdn-bandwidth", "diskspace"})
# REFERENCE §4.3: the largest documented time_span is 60_days; longer custom ranges are split.
ANALYTICS_MAX_DAYS = 60
# Series names per metric, used only to pick a series if a response ever carries several.
# cdn-bandwidth's name is disputed (S1 "cdn-bandwidth", S3 "cdnBandwidth"), REFERENCE §4.3.
_SERIES_NAMES = {
    "visits": {"uniqueip", "visits"},
    "bandwidth": {"bandwidth"},
    "cdn-bandwidth": {"cdn-bandwidth", "cdnBandwidth"},
    "diskspace": {"diskSpaceUsage", "diskspace"},
}


# --- time series --------------------------------------------------------------------------------------


class DailyValue(ApiModel):
    day: date
    value: int


class AnalyticsPoint(ApiModel):
    key: BucketDate
    # null is read as "no data for this bucket" (a gap), never as zero. INFERRED: not seen in any source.
    value: NumericInt | None


class AnalyticsSeries(ApiModel):
    name: Text | None = None
    dataset: Annotated[list[AnalyticsPoint], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)


class _AnalyticsResponse(ApiModel):
    key: Text | None = None
    data: Annotated[list[AnalyticsSeries], BeforeValidator(none_to_empty_list)]


class _Analytics(ApiModel):
    analytics_response: _AnalyticsResponse


class AnalyticsEnvelope(ApiModel):
    """``GET /sites/environments/{env_id}/analytics/{metric}`` time series (REFERENCE §4.3)."""

    analytics: _Analytics

    @property
    def series(self) -> list[AnalyticsSeries]:
        return self.analytics.analytics_response.data


def parse_analytics(
    doc: Any, metric: str, *, endpoint: str = "GET /sites/environments/{env_id}/analytics/{metric}"
) -> list[DailyValue]:
    """Daily values of one time-series response, sorted by day; a missing or null bucket is a gap."""
    envelope = validate(endpoint, AnalyticsEnvelope, doc)
    series = envelope.series
    if not series:
        return []
    # Normally exactly one series (REFERENCE §4.3). Don't switch on the key: we know what we asked for.
    chosen = next((s for s in series if s.name in _SERIES_NAMES.get(metric, ())), series[0])
    values: dict[date, int] = {}
    for point in chosen.dataset:
        if point.value is not None:
            values[point.key] = point.value
    return [DailyValue(day=day, value=values[day]) for day in sorted(values)]


# --- this month's usage -------------------------------------------------------------------------------


class _VisitsUsage(ApiModel):
    visits: NumericInt


class _BandwidthUsage(ApiModel):
    bandwidth: NumericInt


class _VisitsUsageSite(ApiModel):
    id: KinstaId
    this_month_usage: _VisitsUsage


class _BandwidthUsageSite(ApiModel):
    id: KinstaId
    this_month_usage: _BandwidthUsage


class _CdnUsageSite(ApiModel):
    id: KinstaId
    # Different inner key from the other two usage endpoints (REFERENCE §4.4).
    this_month_cdn_usage: _BandwidthUsage


class VisitsUsageEnvelope(ApiModel):
    """``GET /sites/{site_id}/usage/visits/this-month`` (REFERENCE §4.4)."""

    site: _VisitsUsageSite


class BandwidthUsageEnvelope(ApiModel):
    """``GET /sites/{site_id}/usage/bandwidth/this-month`` (REFERENCE §4.4)."""

    site: _BandwidthUsageSite


class CdnBandwidthUsageEnvelope(ApiModel):
    """``GET /sites/{site_id}/usage/cdn-bandwidth/this-month`` (REFERENCE §4.4)."""

    site: _CdnUsageSite


class SiteUsage(ApiModel):
    """This billing month's plan usage of one site: three calls combined (REFERENCE §4.4)."""

    site_id: KinstaId
    visits: int
    bandwidth: int
    cdn_bandwidth: int


def parse_usage(doc: Any, kind: str, *, endpoint: str | None = None) -> int:
    """One ``usage/{kind}/this-month`` response -> its number (REFERENCE §4.4)."""
    endpoint = endpoint or f"GET /sites/{{site_id}}/usage/{kind}/this-month"
    if kind == "visits":
        return validate(endpoint, VisitsUsageEnvelope, doc).site.this_month_usage.visits
    if kind == "bandwidth":
        return validate(endpoint, BandwidthUsageEnvelope, doc).site.this_month_usage.bandwidth
    if kind == "cdn-bandwidth":
        return validate(endpoint, CdnBandwidthUsageEnvelope, doc).site.this_month_cdn_usage.bandwidth
    raise ValueError(f"unknown usage kind {kind!r}")
