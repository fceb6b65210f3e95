"""The figures the reports show and how they compare: `Totals`, `Kpi`, `change_ratio`.

What each figure is (live environments only, sums and the latest disk reading) and the SQL that adds the
figures up live in kinsta_sync.figures, which the admin reads too; this module holds what the reports add:
the period's figures as one value per metric, and the one definition of a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.reports.periods import Period
from kinsta_sync.figures import METRICS, SUMMED_METRICS


@dataclass(frozen=True)
class Totals:
    """One figure per metric for a period. None means "no data", never zero."""

    visits: int | None = None
    bandwidth: int | None = None
    cdn_bandwidth: int | None = None
    disk_usage: int | None = None

    def get(self, metric: str) -> int | None:
        return getattr(self, metric)

    @classmethod
    def combine(cls, items: Iterable[Totals]) -> Totals:
        """Add up several environments' totals (None + None stays None; None + 5 is 5)."""
        sums: dict[str, int | None] = dict.fromkeys(METRICS)
        for item in items:
            for metric in METRICS:
                value = item.get(metric)
                if value is not None:
                    sums[metric] = (sums[metric] or 0) + value
        return cls(**sums)


def change_ratio(
    metric: str, current: int | None, previous: int | None, *, days: int, compare_days: int
) -> float | None:
    """The change of a figure against the comparison period (0.25 = +25 %): the one definition that the
    overview, the report and site pages, the CSV summary, the PDF and the e-mail all show.

    `days` and `compare_days` are the lengths of the period and of the comparison period. When they differ
    (November's 30 days against October's 31), a summed metric (visits, bandwidth, CDN bandwidth) compares
    its averages per day: the same visits every day is no change. Disk usage is a gauge (the latest value),
    so it compares as it is. None without data on either side, from a zero base, or without a comparison.
    """
    if current is None or previous is None or previous == 0 or days <= 0 or compare_days <= 0:
        return None
    if metric in SUMMED_METRICS and days != compare_days:
        return (current * compare_days) / (previous * days) - 1
    return (current - previous) / previous


def lengths_differ(period: Period, compare: Period | None) -> bool:
    """True when the comparison period has another number of days (then changes compare averages per day)."""
    return compare is not None and compare.days != period.days


@dataclass(frozen=True)
class Kpi:
    """A headline figure of the live environments, with the comparison period's figure."""

    metric: str
    value: int | None
    previous: int | None
    # Days of the period on which at least one live environment has data (coverage of the figure).
    days_with_data: int
    days: int
    compared: bool
    # The comparison period's length (0 without one): a change of a summed figure is per day when it differs.
    compare_days: int = 0

    @property
    def change(self) -> float | None:
        return change_ratio(self.metric, self.value, self.previous, days=self.days, compare_days=self.compare_days)

    @property
    def complete(self) -> bool:
        return self.days_with_data == self.days
