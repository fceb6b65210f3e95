"""What each client's sites used of the plan in a billing month, and the share of the bill each carries.

Usage counts what Kinsta bills: live environments only (staging is not billed), visits, server bandwidth and
CDN bandwidth summed over the billing month's days, disk usage as the latest value in the month
(`kinsta_sync.figures.live_site_figures`, the same definitions as the report). Sites are grouped by the
clients app's assignments; sites without a client make the `Unassigned` row.

Money is split in whole cents by the largest remainder, so the rows add up exactly to the plan price and
to each metric's overage; shares are split the same way in millionths, so they add up exactly to 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from dashboard.usage.billing import BillingMonth
from dashboard.usage.models import ClientQuota, Plan
from kinsta_sync.figures import BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE, METRICS, VISITS, live_site_figures
from kinsta_sync.models import KinstaAccount, Site

GB = 10**9
CENT = Decimal("0.01")
SHARE_UNITS = 10**6  # shares in millionths
UNASSIGNED = "Unassigned"


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """`total` whole units split in proportion to `weights` (largest remainder): the parts add up to `total`.

    Equal parts when every weight is 0.
    """
    if not weights:
        return []
    weights = [max(0, w) for w in weights]
    whole = sum(weights)
    if whole == 0:
        weights, whole = [1] * len(weights), len(weights)
    exact = [total * w for w in weights]
    parts = [e // whole for e in exact]
    rest = total - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), i))[:rest]:
        parts[i] += 1
    return parts


def shares(values: Sequence[int]) -> list[Decimal]:
    """Each value's share of the sum, in millionths adding up to exactly 1; all 0 when the sum is 0."""
    if sum(values) == 0:
        return [Decimal("0")] * len(values)
    return [Decimal(part).scaleb(-6) for part in apportion(SHARE_UNITS, values)]


def cents(amount: Decimal) -> int:
    return int((amount / CENT).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def from_cents(value: int) -> Decimal:
    return (Decimal(value) * CENT).quantize(CENT)


def included_amounts(plan: Plan | None) -> dict[str, int | None]:
    """What the plan includes per metric, in the metric's units (visits, bytes); None: not limited."""
    if plan is None:
        return dict.fromkeys(METRICS)
    return {
        VISITS: plan.included_visits,
        BANDWIDTH: plan.included_bandwidth_gb * GB if plan.included_bandwidth_gb is not None else None,
        CDN_BANDWIDTH: plan.included_cdn_gb * GB,
        DISK_USAGE: plan.included_disk_gb * GB,
    }


def quota_amounts(quota: ClientQuota | None) -> dict[str, int | None]:
    if quota is None:
        return dict.fromkeys(METRICS)
    return {
        VISITS: quota.visits,
        BANDWIDTH: None,
        CDN_BANDWIDTH: quota.cdn_gb * GB if quota.cdn_gb is not None else None,
        DISK_USAGE: quota.disk_gb * GB if quota.disk_gb is not None else None,
    }


def overage_cost(plan: Plan | None, metric: str, used: int) -> Decimal:
    """What Kinsta bills beyond the plan for one metric's month (0 within the plan), to the cent."""
    included = included_amounts(plan)[metric]
    if plan is None or included is None or used <= included:
        return Decimal("0.00")
    over = Decimal(used - included)
    price = {
        VISITS: plan.overage_visits_per_1000 / 1000,
        BANDWIDTH: plan.overage_bandwidth_per_gb / GB,
        CDN_BANDWIDTH: plan.overage_cdn_per_gb / GB,
        DISK_USAGE: plan.overage_disk_per_gb / GB,
    }[metric]
    return (over * price).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Group:
    """The sites of one client (or the unassigned ones) in one account."""

    client_id: int | None
    name: str
    slug: str
    site_ids: tuple[int, ...]


def site_groups(account: KinstaAccount) -> list[Group]:
    """Every client with sites in the account, by name, then `Unassigned` (always present). One query."""
    by_client: dict[int | None, tuple[str, str, list[int]]] = {}
    for site_id, client_id, name, slug in (
        Site.objects.filter(account=account)
        .order_by()
        .values_list("pk", "assignment__client_id", "assignment__client__name", "assignment__client__slug")
    ):
        by_client.setdefault(client_id, (name or UNASSIGNED, slug or "", []))[2].append(site_id)
    unassigned = by_client.pop(None, (UNASSIGNED, "", []))
    groups = [
        Group(client_id, name, slug, tuple(sorted(ids)))
        for client_id, (name, slug, ids) in sorted(by_client.items(), key=lambda item: item[1][0].casefold())
    ]
    return [*groups, Group(None, UNASSIGNED, "", tuple(sorted(unassigned[2])))]


@dataclass(frozen=True)
class Row:
    client_id: int | None
    name: str
    slug: str
    sites: int
    usage: dict[str, int]
    shares: dict[str, Decimal]
    plan_cost: Decimal
    overage_cost: Decimal
    quota: dict[str, int | None] = field(default_factory=dict)

    @property
    def total_cost(self) -> Decimal:
        return self.plan_cost + self.overage_cost


@dataclass(frozen=True)
class Allocation:
    account: KinstaAccount
    plan: Plan | None
    month: BillingMonth
    rows: tuple[Row, ...]
    totals: dict[str, int]
    included: dict[str, int | None]
    overage: dict[str, Decimal]

    @property
    def plan_price(self) -> Decimal:
        return self.plan.monthly_price if self.plan else Decimal("0.00")

    @property
    def overage_total(self) -> Decimal:
        return sum(self.overage.values(), Decimal("0.00"))

    @property
    def total_cost(self) -> Decimal:
        return self.plan_price + self.overage_total

    def used_ratio(self, metric: str) -> float | None:
        included = self.included[metric]
        return self.totals[metric] / included if included else None


def plan_for(account: KinstaAccount) -> Plan | None:
    return Plan.objects.filter(account=account).first()


def allocation(*, account: KinstaAccount, month: BillingMonth, plan: Plan | None) -> Allocation:
    """The month's usage per client of the account and the bill split between them.

    Four queries whatever the number of sites (tests/usage/test_allocation.py pins it).
    """
    groups = site_groups(account)
    figures = live_site_figures(
        environments=Q(site__account=account), points=Q(environment__site__account=account), period=month
    )
    usage = [
        {metric: sum(figures.get(site_id, {}).get(metric) or 0 for site_id in group.site_ids) for metric in METRICS}
        for group in groups
    ]
    totals = {metric: sum(row[metric] for row in usage) for metric in METRICS}
    metric_shares = {metric: shares([row[metric] for row in usage]) for metric in METRICS}

    basis = plan.allocation_basis if plan else VISITS
    weights = [row[basis] for row in usage]
    if sum(weights) == 0:
        # Nobody used the basis metric: the plan is carried equally by the groups that have sites.
        weights = [1 if group.site_ids else 0 for group in groups]
    plan_parts = apportion(cents(plan.monthly_price) if plan else 0, weights)
    overage = {metric: overage_cost(plan, metric, totals[metric]) for metric in METRICS}
    overage_parts = [0] * len(groups)
    for metric in METRICS:
        for i, part in enumerate(apportion(cents(overage[metric]), [row[metric] for row in usage])):
            overage_parts[i] += part

    quotas = {
        quota.client_id: quota
        for quota in ClientQuota.objects.filter(client_id__in=[g.client_id for g in groups if g.client_id])
    }
    rows = tuple(
        Row(
            client_id=group.client_id,
            name=group.name,
            slug=group.slug,
            sites=len(group.site_ids),
            usage=usage[i],
            shares={metric: metric_shares[metric][i] for metric in METRICS},
            plan_cost=from_cents(plan_parts[i]),
            overage_cost=from_cents(overage_parts[i]),
            quota=quota_amounts(quotas.get(group.client_id)),
        )
        for i, group in enumerate(groups)
    )
    return Allocation(
        account=account,
        plan=plan,
        month=month,
        rows=rows,
        totals=totals,
        included=included_amounts(plan),
        overage=overage,
    )


ALLOCATION_HEADER = (
    "client", "visits", "visits_share", "bandwidth_bytes", "bandwidth_share", "cdn_bandwidth_bytes",
    "cdn_bandwidth_share", "disk_bytes", "disk_share", "allocated_plan_cost", "allocated_overage_cost",
)  # fmt: skip


def allocation_rows(data: Allocation) -> list[list[object]]:
    return [
        [
            row.name,
            *(cell for metric in METRICS for cell in (row.usage[metric], row.shares[metric])),
            row.plan_cost,
            row.overage_cost,
        ]
        for row in data.rows
    ]
