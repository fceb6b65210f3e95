"""Month-end projections per company, client and metric, from the month so far and the weeks before.

For a summed metric (visits, bandwidth, CDN bandwidth) of one scope (the company, a client, the unassigned
sites), from the daily totals of its live environments over the 8 weeks up to `as_of`:

1. Weekday profile: each weekday's mean over the window against the window's mean (1 for every day with less
   than two weeks of history), so a Saturday is projected as a Saturday.
2. Trend: the deseasonalised days of the last 4 weeks get a robust line (Theil-Sen: the median of the slopes
   between all pairs of days, so a spike moves it little), through their logarithms when no day is empty, so
   growth compounds: a site that grows keeps growing at its rate.
3. Projection: the month so far plus the line times the weekday profile for each day left.
4. Range: the spread of the days around the line (1.4826 x their median absolute deviation), for the sum of
   the days left together with the uncertainty of the level and the slope, at 1.28 standard deviations each
   way (an 80 % band if the days were independent) widened by `SPREAD` (they are not: weeks run hot or cold).

Disk usage is a gauge: the month's figure is the latest value, so its projection is the line (no weekday
profile) at the month's last day, and its month-to-date the latest value so far.

`as_of` uses only the data up to that day (a past month can be backtested: bench/forecast.py). Four queries
whatever the number of sites and clients.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q, Sum

from dashboard.usage.allocation import Group, included_amounts, quota_amounts, site_groups
from dashboard.usage.billing import BillingMonth
from dashboard.usage.models import ClientQuota, Plan
from kinsta_sync.figures import DISK_USAGE, METRICS, SUMMED_METRICS
from kinsta_sync.models import AnalyticsPoint, KinstaAccount

HISTORY_DAYS = 56
TREND_DAYS = 28
Z = 1.2816  # the 90th percentile of the normal distribution: 80 % between low and high
SPREAD = 2.0  # measured with bench/forecast.py on the demo agency; see docs/usage.md
# The part of the days left's total that no daily spread explains (a hot or cold week, a spike to come), and
# for disk usage the share of the value a month can move it by (a cleanup): measured as SPREAD is.
DRIFT = 0.08
DISK_DRIFT = 0.08


@dataclass(frozen=True)
class Projection:
    month_to_date: int
    projected: int
    low: int
    high: int


@dataclass(frozen=True)
class ForecastRow:
    scope: str  # "company" or "client"
    client: str  # "" for the company, the client's name, or "Unassigned"
    client_id: int | None
    metric: str
    projection: Projection
    included: int | None

    @property
    def projected_overage(self) -> int | None:
        if self.included is None:
            return None
        return max(0, self.projection.projected - self.included)


@dataclass(frozen=True)
class Forecast:
    month: BillingMonth
    as_of: date
    rows: tuple[ForecastRow, ...]

    def row(self, scope: str, client_id: int | None, metric: str) -> ForecastRow:
        return next(r for r in self.rows if r.scope == scope and r.client_id == client_id and r.metric == metric)


def _theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(intercept, slope) of the robust line through (t, value) points."""
    if len(points) == 1:
        return points[0][1], 0.0
    slopes = [(b[1] - a[1]) / (b[0] - a[0]) for i, a in enumerate(points) for b in points[i + 1 :] if b[0] != a[0]]
    slope = statistics.median(slopes) if slopes else 0.0
    intercept = statistics.median(v - slope * t for t, v in points)
    return intercept, slope


def _weekday_profile(series: dict[date, int]) -> dict[int, float]:
    if len(series) < 14:
        return dict.fromkeys(range(7), 1.0)
    mean = statistics.fmean(series.values())
    if mean <= 0:
        return dict.fromkeys(range(7), 1.0)
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for day, value in series.items():
        by_weekday[day.weekday()].append(value)
    return {w: min(10.0, max(0.01, statistics.fmean(by_weekday[w]) / mean)) if by_weekday[w] else 1.0 for w in range(7)}


def _line(points: list[tuple[float, float]]) -> tuple[float, float, float, float, float]:
    """(intercept, slope, daily spread, level's standard error, slope's standard error)."""
    intercept, slope = _theil_sen(points)
    residuals = [v - (intercept + slope * t) for t, v in points]
    mad = statistics.median(abs(r) for r in residuals)
    sigma = 1.4826 * mad
    n = len(points)
    mean_t = statistics.fmean(t for t, _ in points)
    spread_t = sum((t - mean_t) ** 2 for t, _ in points)
    slope_se = sigma / math.sqrt(spread_t) if spread_t else 0.0
    return intercept, slope, sigma, sigma / math.sqrt(n), slope_se


def project(series: dict[date, int], *, month: BillingMonth, as_of: date, gauge: bool = False) -> Projection:
    """One scope's metric: its daily values (days without data left out) up to `as_of` -> the month-end."""
    series = {day: value for day, value in series.items() if day <= as_of}
    in_month = {day: value for day, value in series.items() if month.start <= day}
    if gauge:
        latest = in_month[max(in_month)] if in_month else 0
        mtd = latest
    else:
        mtd = sum(in_month.values())
    if as_of >= month.end or not series:
        return Projection(mtd, mtd, mtd, mtd)
    first_left = max(as_of + timedelta(days=1), month.start)
    days_left = [first_left + timedelta(days=i) for i in range((month.end - first_left).days + 1)]
    profile = dict.fromkeys(range(7), 1.0) if gauge else _weekday_profile(series)
    recent = [(float((day - as_of).days), value / profile[day.weekday()]) for day, value in sorted(series.items())]
    recent = [(t, v) for t, v in recent if t > -TREND_DAYS]
    if not recent:
        return Projection(mtd, mtd, mtd, mtd)
    intercept, slope, sigma, level_se, slope_se = _line(recent)
    if gauge:
        t_end = float((month.end - as_of).days)
        value = max(0.0, intercept + slope * t_end)
        band = Z * math.sqrt(
            SPREAD**2 * (sigma**2 + level_se**2 + (slope_se * t_end) ** 2) + (DISK_DRIFT * value * t_end / 30) ** 2
        )
        return Projection(mtd, round(value), round(max(0.0, value - band)), round(value + band))
    # Growth compounds: with every day above zero the line is fitted to the logarithms (a steady growth rate);
    # a series with empty days gets a straight line instead.
    compound = all(v > 0 for _, v in recent)
    if compound:
        intercept, slope, sigma, level_se, slope_se = _line([(t, math.log(v)) for t, v in recent])
    remaining = noise_sq = level_part = slope_part = 0.0
    for day in days_left:
        t = float((day - as_of).days)
        f = profile[day.weekday()]
        if compound:
            value = math.exp(intercept + slope * t) * f
            noise, level = value * sigma, value  # d(value)/d(log level) is the value itself
        else:
            value = max(0.0, (intercept + slope * t) * f)
            noise, level = sigma * f, f
        remaining += value
        noise_sq += noise**2
        level_part += level
        slope_part += level * t
    band = Z * math.sqrt(
        SPREAD**2 * (noise_sq + (level_se * level_part) ** 2 + (slope_se * slope_part) ** 2) + (DRIFT * remaining) ** 2
    )
    projected = mtd + remaining
    return Projection(mtd, round(projected), round(mtd + max(0.0, remaining - band)), round(projected + band))


def default_as_of(account: KinstaAccount, month: BillingMonth, today: date) -> date:
    """The last complete day with data (synced analytics; today's figures are still growing), within the month;
    the month's last day for a past month. Before the month's first day the projection is from history alone."""
    if today > month.end:
        return month.end
    latest = AnalyticsPoint.objects.filter(environment__site__account=account).aggregate(day=Max("day"))["day"]
    yesterday = today - timedelta(days=1)
    return min(latest or yesterday, yesterday, month.end)


def daily_series(
    account: KinstaAccount, groups: list[Group], *, start: date, end: date, points: Q | None = None
) -> dict[int | None, dict[str, dict[date, int]]]:
    """{client id (None: unassigned): {metric: {day: total}}} of live environments, in two queries.

    Summed metrics are summed per day in the database. Disk usage is read per environment and carried
    forward over the days an environment has no reading, so a day's total is the sum of each environment's
    latest value, as the month's figure is (`kinsta_sync.figures.latest_disk`); a gap is not a cleanup.
    """
    series: dict[int | None, dict[str, dict[date, int]]] = {g.client_id: defaultdict(dict) for g in groups}
    # `points` narrows the account's points (one client's, for its report section).
    where = Q(environment__site__account=account) & (points or Q())
    live = {"environment__is_live": True, "day__gte": start, "day__lte": end}
    for row in (
        AnalyticsPoint.objects.filter(where, **live, metric__in=SUMMED_METRICS)
        .order_by()
        .values("environment__site__assignment__client_id", "metric", "day")
        .annotate(total=Sum("value"))
    ):
        client_id = row["environment__site__assignment__client_id"]
        series.setdefault(client_id, defaultdict(dict))[row["metric"]][row["day"]] = row["total"]
    readings: dict[tuple[int, int | None], dict[date, int]] = defaultdict(dict)
    for env_id, client_id, day, value in (
        AnalyticsPoint.objects.filter(where, **live, metric=DISK_USAGE)
        .order_by()
        .values_list("environment_id", "environment__site__assignment__client_id", "day", "value")
    ):
        readings[(env_id, client_id)][day] = value
    for (_, client_id), days in readings.items():
        disk = series.setdefault(client_id, defaultdict(dict))[DISK_USAGE]
        day, last = min(days), None
        while day <= end:
            last = days.get(day, last)
            disk[day] = disk.get(day, 0) + last
            day += timedelta(days=1)
    return series


def forecast(*, account: KinstaAccount, month: BillingMonth, plan: Plan | None, as_of: date) -> Forecast:
    """The company's and each client's projections for every metric, from the data up to `as_of`."""
    groups = site_groups(account)
    start = min(month.start, as_of) - timedelta(days=HISTORY_DAYS - 1)
    by_group = daily_series(account, groups, start=start, end=min(as_of, month.end))
    company: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for metrics in by_group.values():
        for metric, days in metrics.items():
            for day, value in days.items():
                company[metric][day] += value
    quotas = {q.client_id: q for q in ClientQuota.objects.filter(client_id__in=[g.client_id for g in groups])}
    included = included_amounts(plan)
    rows: list[ForecastRow] = []
    for metric in METRICS:
        gauge = metric == DISK_USAGE
        rows.append(
            ForecastRow(
                "company",
                "",
                None,
                metric,
                project(dict(company[metric]), month=month, as_of=as_of, gauge=gauge),
                included[metric],
            )
        )
        for group in groups:
            rows.append(
                ForecastRow(
                    "client",
                    group.name,
                    group.client_id,
                    metric,
                    project(dict(by_group[group.client_id][metric]), month=month, as_of=as_of, gauge=gauge),
                    quota_amounts(quotas.get(group.client_id))[metric] if group.client_id else None,
                )
            )
    return Forecast(month=month, as_of=as_of, rows=tuple(rows))


FORECAST_HEADER = (
    "scope", "client", "metric", "month_to_date", "projected", "projected_low", "projected_high", "included",
    "projected_overage",
)  # fmt: skip


def forecast_rows(data: Forecast) -> list[list[object]]:
    return [
        [
            row.scope,
            row.client,
            row.metric,
            row.projection.month_to_date,
            row.projection.projected,
            row.projection.low,
            row.projection.high,
            row.included,
            row.projected_overage,
        ]
        for row in data.rows
    ]
