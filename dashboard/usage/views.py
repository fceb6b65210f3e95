"""The plan usage page and its CSVs (staff only): `/usage/`, `/usage/allocation.csv`, `/usage/forecast.csv`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients.access import require_staff
from dashboard.exports.csv import stream_csv
from dashboard.exports.downloads import attachment
from dashboard.usage import allocation as alloc
from dashboard.usage import forecast as fc
from dashboard.usage import reconcile
from dashboard.usage.billing import BillingMonth, InvalidMonth, month_containing, parse_month
from dashboard.usage.models import DEFAULT_CURRENCY, Plan
from kinsta_sync.figures import METRICS
from kinsta_sync.models import KinstaAccount


def _account(request: HttpRequest) -> tuple[KinstaAccount | None, list[KinstaAccount]]:
    """The account asked for (`?account=<id>`), else the first; all of them, for the picker."""
    accounts = list(KinstaAccount.objects.order_by("name", "pk"))
    wanted = request.GET.get("account", "")
    chosen = next((a for a in accounts if str(a.pk) == wanted), accounts[0] if accounts else None)
    return chosen, accounts


def _month(request: HttpRequest, plan: Plan | None) -> BillingMonth:
    billing_day = plan.billing_day if plan else 1
    value = request.GET.get("month", "")
    if not value:
        return month_containing(timezone.localdate(), billing_day)
    return parse_month(value, billing_day)


def _labels() -> dict[str, str]:
    return {
        "visits": _("Visits"),
        "bandwidth": _("Bandwidth"),
        "cdn_bandwidth": _("CDN bandwidth"),
        "disk_usage": _("Disk usage"),
    }


def _basis_labels() -> dict[str, str]:
    # Inside a sentence ("shared by visits"): German keeps its nouns' capitals, so these are their own strings.
    return {
        "visits": _("visits"),
        "bandwidth": _("bandwidth"),
        "cdn_bandwidth": _("CDN bandwidth"),
        "disk_usage": _("disk usage"),
    }


def _as_of(request: HttpRequest, account: KinstaAccount, month: BillingMonth) -> date:
    """`?as_of=YYYY-MM-DD` (only the data up to that day counts), else the last day with data."""
    value = request.GET.get("as_of", "")
    if not value:
        return fc.default_as_of(account, month, timezone.localdate())
    try:
        as_of = date.fromisoformat(value)
    except ValueError:
        raise InvalidMonth(f"as_of must be a date YYYY-MM-DD, not {value[:20]!r}") from None
    if as_of < month.start:
        raise InvalidMonth(f"as_of {as_of.isoformat()} is before the billing month, which starts {month.start}")
    return min(as_of, month.end)


def _bad_month(error: InvalidMonth) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


@require_GET
def usage_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    account, accounts = _account(request)
    context: dict[str, Any] = {"accounts": accounts, "account": account, "metrics": METRICS, "labels": _labels()}
    if account is None:
        return render(request, "usage/usage.html", context)
    plan = alloc.plan_for(account)
    try:
        month = _month(request, plan)
    except InvalidMonth as error:
        context |= {"error": str(error), "month_value": request.GET.get("month", "")[:20]}
        return render(request, "usage/usage.html", context, status=400)
    billing_day = plan.billing_day if plan else 1
    data = alloc.allocation(account=account, month=month, plan=plan)
    projection = fc.forecast(account=account, month=month, plan=plan, as_of=_as_of(request, account, month))
    context |= {
        "forecast": projection,
        "checks": reconcile.reconciliation(account=account, month=month),
        "tolerance": reconcile.TOLERANCE,
        "forecast_rows": _forecast_table(projection),
        "plan": plan,
        "currency": plan.currency if plan else DEFAULT_CURRENCY,
        "month": month,
        "month_value": month.label,
        "previous_month": month.previous(billing_day),
        "next_month": month.next(billing_day),
        "data": data,
        "site_count": sum(row.sites for row in data.rows),
        "basis_label": _basis_labels()[plan.allocation_basis] if plan else "",
        "company": [
            {
                "metric": metric,
                "used": data.totals[metric],
                "included": data.included[metric],
                "ratio": data.used_ratio(metric),
                "overage": data.overage[metric],
                "forecast": projection.row("company", None, metric),
            }
            for metric in METRICS
        ],
    }
    return render(request, "usage/usage.html", context)


def _csv(header: tuple[str, ...], rows: list[list[object]], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream_csv(header, rows), content_type="text/csv; charset=utf-8")
    attachment(response, name)
    return response


@require_GET
def allocation_csv(request: HttpRequest) -> HttpResponse:
    """One row per client plus `Unassigned`: the month's usage, shares, and the bill allocated to each."""
    require_staff(request.user)
    account, _ = _account(request)
    if account is None:
        raise Http404("No Kinsta account is set up.")
    plan = alloc.plan_for(account)
    try:
        month = _month(request, plan)
    except InvalidMonth as error:
        return _bad_month(error)
    data = alloc.allocation(account=account, month=month, plan=plan)
    return _csv(alloc.ALLOCATION_HEADER, alloc.allocation_rows(data), f"usage-allocation-{month.label}.csv")


def _forecast_table(data: fc.Forecast) -> list[dict[str, Any]]:
    """One row per client (and Unassigned): its projection of each metric, in METRICS order."""
    rows: dict[int | None, dict[str, Any]] = {}
    for row in data.rows:
        if row.scope == "client":
            rows.setdefault(row.client_id, {"name": row.client, "client_id": row.client_id, "metrics": []})
            rows[row.client_id]["metrics"].append(row)
    return list(rows.values())


@require_GET
def forecast_csv(request: HttpRequest) -> HttpResponse:
    """The month-end projection per company and client and metric (`as_of`: only data up to that day)."""
    require_staff(request.user)
    account, _ = _account(request)
    if account is None:
        raise Http404("No Kinsta account is set up.")
    plan = alloc.plan_for(account)
    try:
        month = _month(request, plan)
        as_of = _as_of(request, account, month)
    except InvalidMonth as error:
        return _bad_month(error)
    data = fc.forecast(account=account, month=month, plan=plan, as_of=as_of)
    return _csv(fc.FORECAST_HEADER, fc.forecast_rows(data), f"usage-forecast-{month.label}-as-of-{as_of}.csv")
