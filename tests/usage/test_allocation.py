"""Allocation of a billing month's usage and bill between clients (dashboard.usage.allocation)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dashboard.usage.allocation import allocation, apportion, shares
from dashboard.usage.billing import InvalidMonth, billing_month, month_containing, parse_month
from dashboard.usage.models import ClientQuota, Plan
from kinsta_sync.figures import BANDWIDTH, CDN_BANDWIDTH, DISK_USAGE, METRICS, VISITS
from tests.factories import add_points, assign, make_account, make_client, make_site

pytestmark = pytest.mark.django_db
GB = 10**9


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


def _plan(account, **fields) -> Plan:
    values = {
        "monthly_price": Decimal("100.00"),
        "included_visits": 1000,
        "included_cdn_gb": 1,
        "included_disk_gb": 10,
        "billing_day": 1,
    } | fields
    return Plan.objects.create(account=account, **values)


@pytest.fixture
def agency():
    """Three clients' sites and one unassigned site, 30 days of known numbers in November 2026."""
    account = make_account()
    acme, beta, gamma = make_client("Acme"), make_client("Beta"), make_client("Gamma")
    days = _days(date(2026, 11, 1), 30)
    sites = {}
    for name, client, visits, cdn in (
        ("acme-1", acme, 20, 10_000_000),
        ("acme-2", acme, 10, 0),
        ("beta-1", beta, 10, 30_000_000),
        ("gamma-1", gamma, 0, 0),
        ("loose-1", None, 5, 10_000_000),
    ):
        site = make_site(account, name=name, staging=True)
        sites[name] = site
        if client:
            assign([site], client)
        add_points(site.live, metric=VISITS, days=dict.fromkeys(days, visits))
        add_points(site.live, metric=CDN_BANDWIDTH, days=dict.fromkeys(days, cdn))
        add_points(site.live, metric=BANDWIDTH, days=dict.fromkeys(days, 1000))
        add_points(site.live, metric=DISK_USAGE, days={days[0]: 9 * GB, days[-1]: 3 * GB})
        # Staging is not billed: big numbers that must not count.
        add_points(site.staging, metric=VISITS, days=dict.fromkeys(days, 10_000))
        add_points(site.staging, metric=DISK_USAGE, days={days[-1]: 50 * GB})
    # Outside the billing month: must not count.
    add_points(sites["acme-1"].live, metric=VISITS, days={date(2026, 10, 31): 99_999, date(2026, 12, 1): 99_999})
    return {"account": account, "acme": acme, "beta": beta, "gamma": gamma, "sites": sites}


def test_it_counts_live_environments_in_the_billing_month_and_disk_as_the_latest_value(agency):
    plan = _plan(agency["account"])
    data = allocation(account=agency["account"], month=parse_month("2026-11", 1), plan=plan)
    rows = {row.name: row for row in data.rows}
    assert list(rows) == ["Acme", "Beta", "Gamma", "Unassigned"]
    assert rows["Acme"].usage[VISITS] == 30 * 30
    assert rows["Beta"].usage[VISITS] == 300
    assert rows["Unassigned"].usage[VISITS] == 150
    assert rows["Acme"].usage[DISK_USAGE] == 6 * GB  # two sites' latest values, not the first day's 9 GB
    assert data.totals[VISITS] == 1350
    assert data.totals[CDN_BANDWIDTH] == 50_000_000 * 30
    assert data.totals[BANDWIDTH] == 5 * 30 * 1000


def test_shares_sum_to_one_and_costs_to_the_plan_price_plus_the_overage(agency):
    plan = _plan(agency["account"], monthly_price=Decimal("100.00"))
    data = allocation(account=agency["account"], month=parse_month("2026-11", 1), plan=plan)
    for metric in METRICS:
        assert sum(row.shares[metric] for row in data.rows) == 1, metric
    # 1350 visits against 1000 included: 350 over at $1 per 1000 = $0.35; CDN 1500 GB... 1.5 GB - 1 GB = 0.5 GB
    # at $0.10 = $0.05; disk 15 GB against 10 = over, but disk overage costs 0 by default.
    assert data.overage[VISITS] == Decimal("0.35")
    assert data.overage[CDN_BANDWIDTH] == Decimal("0.05")
    assert data.overage[DISK_USAGE] == Decimal("0.00")
    assert data.overage[BANDWIDTH] == Decimal("0.00")  # not a bandwidth-based plan
    assert sum(row.plan_cost for row in data.rows) == Decimal("100.00")
    assert sum(row.overage_cost for row in data.rows) == Decimal("0.40")
    rows = {row.name: row for row in data.rows}
    # Plan cost by visits share: 900/1350 of $100 = $66.666... -> the cents add up exactly.
    assert rows["Acme"].plan_cost in (Decimal("66.66"), Decimal("66.67"))
    assert rows["Gamma"].plan_cost == Decimal("0.00")
    assert rows["Gamma"].shares[VISITS] == 0
    # Overage of CDN by CDN share: Beta used 3/5 of CDN, Acme 1/5, Unassigned 1/5 -> $0.03, $0.01, $0.01,
    # plus visits overage 900/1350, 300/1350, 150/1350 of $0.35.
    assert rows["Beta"].overage_cost == Decimal("0.03") + Decimal("0.08")


def test_another_allocation_basis_splits_the_plan_by_that_metric(agency):
    plan = _plan(agency["account"], monthly_price=Decimal("50.00"), allocation_basis=Plan.Basis.CDN_BANDWIDTH)
    data = allocation(account=agency["account"], month=parse_month("2026-11", 1), plan=plan)
    rows = {row.name: row for row in data.rows}
    assert rows["Beta"].plan_cost == Decimal("30.00")
    assert rows["Acme"].plan_cost == Decimal("10.00")
    assert rows["Unassigned"].plan_cost == Decimal("10.00")


def test_rounding_keeps_the_sums_exact_to_the_cent():
    assert apportion(100, [1, 1, 1]) == [34, 33, 33]
    assert sum(apportion(9_999, [3, 7, 11, 13, 0])) == 9_999
    assert apportion(5, [0, 0]) == [3, 2]
    split = shares([1, 1, 1])
    assert sum(split) == 1 and len(set(split)) == 2


def test_the_quota_comes_with_the_clients_row(agency):
    ClientQuota.objects.create(client=agency["acme"], visits=500, cdn_gb=2)
    data = allocation(account=agency["account"], month=parse_month("2026-11", 1), plan=None)
    rows = {row.name: row for row in data.rows}
    assert rows["Acme"].quota[VISITS] == 500
    assert rows["Acme"].quota[CDN_BANDWIDTH] == 2 * GB
    assert rows["Beta"].quota[VISITS] is None
    assert sum(row.plan_cost for row in data.rows) == 0


def test_the_query_count_does_not_grow_with_the_sites(agency, django_assert_num_queries):
    account = agency["account"]
    plan = _plan(account)
    month = parse_month("2026-11", 1)
    with django_assert_num_queries(4):
        allocation(account=account, month=month, plan=plan)
    for i in range(20):
        site = make_site(account, name=f"more-{i}")
        assign([site], agency["beta"] if i % 2 else agency["acme"])
        add_points(site.live, metric=VISITS, days={date(2026, 11, 3): 7})
    with django_assert_num_queries(4):
        data = allocation(account=account, month=month, plan=plan)
    assert data.totals[VISITS] == 1350 + 20 * 7


@pytest.mark.parametrize(
    ("label", "day", "start", "end"),
    [
        ("2026-02", 31, date(2026, 2, 28), date(2026, 3, 30)),
        ("2026-01", 31, date(2026, 1, 31), date(2026, 2, 27)),
        ("2026-03", 31, date(2026, 3, 31), date(2026, 4, 29)),
        ("2026-12", 1, date(2026, 12, 1), date(2026, 12, 31)),
        ("2024-02", 1, date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-12", 15, date(2026, 12, 15), date(2027, 1, 14)),
    ],
)
def test_billing_months_with_billing_days_of_31_and_1(label, day, start, end):
    month = parse_month(label, day)
    assert (month.start, month.end) == (start, end)
    assert month_containing(start, day) == month
    assert month_containing(end, day) == month
    assert month_containing(start - timedelta(days=1), day) == month.previous(day)


def test_billing_months_tile_the_year_without_gaps():
    for day in (1, 15, 28, 29, 30, 31):
        month = billing_month(2025, 1, day)
        for _ in range(24):
            following = month.next(day)
            assert following.start == month.end + timedelta(days=1)
            month = following


@pytest.mark.parametrize("value", ["2026-13", "26-11", "2026/11", "", "2026-00", "<script>"])
def test_a_bad_month_is_refused_with_a_message(value):
    with pytest.raises(InvalidMonth, match="YYYY-MM"):
        parse_month(value, 1)


# --- manage.py kinsta_plan -----------------------------------------------------------------------------


def test_the_command_stores_the_plan_with_kinstas_default_overage_prices():
    account = make_account()
    call_command("kinsta_plan", "--visits", "250000", "--cdn-gb", "200", "--disk-gb", "100", "--monthly-price", "340")
    plan = Plan.objects.get(account=account)
    assert (plan.included_visits, plan.included_cdn_gb, plan.included_disk_gb) == (250_000, 200, 100)
    assert plan.monthly_price == Decimal("340")
    assert plan.overage_visits_per_1000 == Decimal("1.00")
    assert plan.overage_cdn_per_gb == Decimal("0.10")
    assert plan.billing_day == 1 and plan.included_bandwidth_gb is None
    assert plan.currency == "USD"
    call_command(
        "kinsta_plan", "--account", account.company_id, "--visits", "1", "--cdn-gb", "2", "--disk-gb", "3",
        "--monthly-price", "9.99", "--billing-day", "31", "--bandwidth-gb", "40",
        "--overage-visits-per-1000", "2", "--overage-cdn-per-gb", "0.05", "--overage-disk-per-gb", "1.5",
    )  # fmt: skip
    plan = Plan.objects.get(account=account)
    assert plan.billing_day == 31 and plan.included_bandwidth_gb == 40
    assert plan.overage_disk_per_gb == Decimal("1.5") and plan.overage_cdn_per_gb == Decimal("0.05")
    assert Plan.objects.count() == 1
    assert plan.currency == "USD"  # left out: kept
    call_command(
        "kinsta_plan", "--visits", "1", "--cdn-gb", "2", "--disk-gb", "3", "--monthly-price", "9.99",
        "--currency", "eur",
    )  # fmt: skip
    assert Plan.objects.get(account=account).currency == "EUR"


@pytest.mark.parametrize("code", ["usd", "EURO", "XYZ", "", "E1R"])
def test_a_currency_must_be_an_iso_code(code):
    from django.core.exceptions import ValidationError

    from dashboard.usage.models import validate_currency

    with pytest.raises(ValidationError):
        validate_currency(code)
    validate_currency("CHF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--visits", "-1"], "must not be negative"),
        (["--visits", "lots"], "whole number"),
        (["--monthly-price", "cheap"], "amount"),
        (["--billing-day", "32"], "billing day"),
        (["--currency", "dollars"], "ISO 4217"),
        (["--account", "no-such-company"], "no Kinsta account"),
    ],
)
def test_the_command_exits_2_with_a_message_for_bad_input(args, message, capsys):
    from dashboard.usage.management.commands.kinsta_plan import Command

    make_account()
    base = {"--visits": "1", "--cdn-gb": "1", "--disk-gb": "1", "--monthly-price": "1"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [part for pair in base.items() for part in pair]
    # As from the command line (run_from_argv, without its closing of the database connections): argparse's
    # errors exit 2, the command's own are CommandErrors with return code 2; both say what is wrong.
    command = Command()
    command._called_from_command_line = True
    parser = command.create_parser("manage.py", "kinsta_plan")
    try:
        options = vars(parser.parse_args(flat))
    except SystemExit as exit_:
        code, text = exit_.code, capsys.readouterr().err
    else:
        with pytest.raises(CommandError) as raised:
            command.execute(*options.pop("args", ()), **options)
        code, text = raised.value.returncode, str(raised.value)
    assert code == 2
    assert message in text
    assert Plan.objects.count() == 0


def test_the_command_needs_an_account_when_there_are_several():
    make_account(name="One")
    make_account(name="Two")
    with pytest.raises(CommandError, match="several Kinsta accounts") as raised:
        call_command("kinsta_plan", "--visits", "1", "--cdn-gb", "1", "--disk-gb", "1", "--monthly-price", "1")
    assert raised.value.returncode == 2
