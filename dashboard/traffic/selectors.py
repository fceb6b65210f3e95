"""Traffic quality of one client (or one of its sites) for a period: what the "Audience and errors" section shows.

Two queries whatever the number of sites (response codes per day with the top lists summed; the device
split weighted by visits), live environments of the client's sites only, plus one for the overview column.

* Shares of 4xx and 5xx: of all requests Kinsta counted by response code in the period; None (shown as
  "No data") when there were none, never 0 %.
* Top countries and referrers: Kinsta's truncated top list of each day, summed over the period's days, and
  each entry's share of that sum (the page says so: an entry that was 11th every day does not show).
* Device split: each day's shares weighted by that day's visits (days without a visits figure count once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kinsta_sync.models import AnalyticsPoint, Metric, TrafficKind, TrafficPoint

TOP_ENTRIES = 5
# Response classes in the chart's order; "other" holds 1xx and codes that are not three digits (kept as sent).
CLASSES = ("2xx", "3xx", "4xx", "5xx", "other")


def response_class(code: str) -> str:
    text = code.strip()
    if len(text) == 3 and text.isdigit() and text[0] in "2345":
        return f"{text[0]}xx"
    return "other"  # 1xx, 499-style codes outside the classes stay "other" (Kinsta sent them; we count them)


@dataclass(frozen=True)
class Entry:
    name: str  # as Kinsta sent it (a country's English name, a referrer, a device)
    value: int
    share: float


@dataclass(frozen=True)
class Traffic:
    period_start: date
    period_end: date
    requests: int | None
    share_4xx: float | None
    share_5xx: float | None
    compared: bool
    previous_share_4xx: float | None
    previous_share_5xx: float | None
    days: tuple[date, ...]
    by_class: dict[str, tuple[int | None, ...]]  # CLASSES -> a value per day (None: no data that day)
    countries: tuple[Entry, ...]
    referrers: tuple[Entry, ...]
    devices: tuple[Entry, ...]
    list_days: int = 0  # days of the period with a top list (they start with the first sync)
    top_entries: int = TOP_ENTRIES

    @property
    def change_4xx(self) -> float | None:
        if self.share_4xx is None or self.previous_share_4xx is None:
            return None
        return self.share_4xx - self.previous_share_4xx

    @property
    def change_5xx(self) -> float | None:
        if self.share_5xx is None or self.previous_share_5xx is None:
            return None
        return self.share_5xx - self.previous_share_5xx

    @property
    def has_data(self) -> bool:
        return self.requests is not None or bool(self.countries or self.referrers or self.devices)

    def snapshot(self) -> dict[str, Any]:
        """JSON for a report send (the e-mail renders from it): dates as text, the chart left out."""
        data = asdict(self)
        data.pop("days")
        data.pop("by_class")
        data["period_start"], data["period_end"] = self.period_start.isoformat(), self.period_end.isoformat()
        data["change_4xx"], data["change_5xx"] = self.change_4xx, self.change_5xx
        data["has_data"] = self.has_data
        return data


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _entries(totals: dict[str, int], limit: int) -> tuple[Entry, ...]:
    whole = sum(totals.values())
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return tuple(Entry(name, value, value / whole) for name, value in ranked if whole)


def traffic_quality(*, where: Q, period: Any, compare: Any) -> Traffic:
    """The section's data for the environments matching `where` (a Q on TrafficPoint.environment's fields,
    e.g. `environment__site__assignment__client=client`), live environments only. Two queries."""
    live = where & Q(environment__is_live=True)
    start = period.start if compare is None else min(period.start, compare.start)
    end = period.end if compare is None else max(period.end, compare.end)
    days = tuple(period.start + timedelta(days=i) for i in range(period.days))

    by_class: dict[str, list[int | None]] = {name: [None] * len(days) for name in CLASSES}
    totals = {"now": defaultdict(int), "before": defaultdict(int)}
    lists: dict[str, dict[str, int]] = {TrafficKind.COUNTRY: defaultdict(int), TrafficKind.REFERRER: defaultdict(int)}
    # One query for the response codes of both periods and the top lists of this one, per kind, day and key.
    rows = (
        TrafficPoint.objects.filter(live)
        .filter(
            Q(kind=TrafficKind.RESPONSE_CODE, day__gte=start, day__lte=end)
            | Q(kind__in=list(lists), day__gte=period.start, day__lte=period.end)
        )
        .values("kind", "day", "key")
        .annotate(total=Sum("value"))
        .order_by()
        .values_list("kind", "day", "key", "total")
    )
    list_days: set[date] = set()
    for kind, day, key, total in rows:
        if kind in lists:
            lists[kind][key] += total
            list_days.add(day)
            continue
        name = response_class(key)
        if period.start <= day <= period.end:
            totals["now"][name] += total
            index = (day - period.start).days
            for each in CLASSES:  # a day with data has a value in every class (0 where none)
                by_class[each][index] = by_class[each][index] or 0
            by_class[name][index] = (by_class[name][index] or 0) + total
        if compare is not None and compare.start <= day <= compare.end:
            totals["before"][name] += total
    now, before = sum(totals["now"].values()), sum(totals["before"].values())

    visits = AnalyticsPoint.objects.filter(
        environment=OuterRef("environment"), day=OuterRef("day"), metric=Metric.VISITS
    ).values("value")[:1]
    weight = Coalesce(Subquery(visits, output_field=IntegerField()), Value(1))
    devices: dict[str, int] = {}
    for key, weighted, days_counted in (
        TrafficPoint.objects.filter(live, kind=TrafficKind.DEVICE, day__gte=period.start, day__lte=period.end)
        .annotate(weight=weight)
        .values("key")
        .annotate(weighted=Sum(F("value") * F("weight")), days_counted=Count("id"))
        .order_by()
        .values_list("key", "weighted", "days_counted")
    ):
        if days_counted:
            devices[key] = weighted or 0

    return Traffic(
        period_start=period.start,
        period_end=period.end,
        requests=now or None,
        share_4xx=_share(totals["now"]["4xx"], now),
        share_5xx=_share(totals["now"]["5xx"], now),
        compared=compare is not None,
        previous_share_4xx=_share(totals["before"]["4xx"], before),
        previous_share_5xx=_share(totals["before"]["5xx"], before),
        days=days,
        by_class={name: tuple(values) for name, values in by_class.items()},
        countries=_entries(lists[TrafficKind.COUNTRY], TOP_ENTRIES),
        referrers=_entries(lists[TrafficKind.REFERRER], TOP_ENTRIES),
        devices=_entries(devices, len(devices)),
        list_days=len(list_days),
    )


@dataclass(frozen=True)
class WorstSite:
    share_5xx: float | None
    requests: int
    client_slug: str
    site_id: int | None
    site_name: str


def five_xx_by_client(client_ids: Sequence[int], period: Any) -> dict[int, WorstSite]:
    """Each client's 5xx share over its live sites in the period, and the site with the highest (one query)."""
    client_key = "environment__site__assignment__client"
    per_site: dict[int, list[tuple[int, str, int, int, str]]] = defaultdict(list)
    for client_id, slug, site_id, name, total, errors in (
        TrafficPoint.objects.filter(
            **{f"{client_key}__in": list(client_ids)},
            environment__is_live=True,
            kind=TrafficKind.RESPONSE_CODE,
            day__gte=period.start,
            day__lte=period.end,
        )
        .values(client_key, f"{client_key}__slug", "environment__site", "environment__site__display_name")
        .annotate(total=Sum("value"), errors=Sum("value", filter=Q(key__regex=r"^5[0-9][0-9]$")))
        .order_by()
        .values_list(
            client_key,
            f"{client_key}__slug",
            "environment__site",
            "environment__site__display_name",
            "total",
            "errors",
        )
    ):
        per_site[client_id].append((site_id, name, total or 0, errors or 0, slug))
    cells: dict[int, WorstSite] = {}
    for client_id, sites in per_site.items():
        total = sum(site[2] for site in sites)
        errors = sum(site[3] for site in sites)
        worst = max(sites, key=lambda s: ((s[3] / s[2]) if s[2] else 0, s[3], -s[0]))
        cells[client_id] = WorstSite(
            share_5xx=_share(errors, total),
            requests=total,
            client_slug=worst[4],
            site_id=worst[0] if worst[3] else None,
            site_name=worst[1],
        )
    return cells


def csv_cells(client: Any, period: Any) -> dict[int, tuple[Any, ...]]:
    """Per live environment of the client: requests, 4xx and 5xx shares (ratios), the top country and referrer
    as Kinsta sent them (one query)."""
    codes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tops: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for env_id, kind, key, total in (
        TrafficPoint.objects.filter(
            environment__site__assignment__client=client,
            environment__is_live=True,
            day__gte=period.start,
            day__lte=period.end,
            kind__in=[TrafficKind.RESPONSE_CODE, TrafficKind.COUNTRY, TrafficKind.REFERRER],
        )
        .values("environment", "kind", "key")
        .annotate(total=Sum("value"))
        .order_by()
        .values_list("environment", "kind", "key", "total")
    ):
        if kind == TrafficKind.RESPONSE_CODE:
            codes[env_id][response_class(key)] += total
        else:
            tops[(env_id, kind)][key] += total

    def top(env_id: int, kind: str) -> str | None:
        entries = _entries(tops.get((env_id, kind), {}), 1)
        return entries[0].name if entries else None

    cells: dict[int, tuple[Any, ...]] = {}
    for env_id in set(codes) | {env_id for env_id, _kind in tops}:
        classes = codes.get(env_id, {})
        total = sum(classes.values())
        shares = [
            None if (s := _share(classes.get(name, 0), total)) is None else round(s, 6) for name in ("4xx", "5xx")
        ]
        cells[env_id] = (total or None, *shares, top(env_id, TrafficKind.COUNTRY), top(env_id, TrafficKind.REFERRER))
    return cells
