"""Month-end projections (dashboard.usage.forecast): known growth inside the range, weekdays, `as_of`."""

from __future__ import annotations

import csv
import io
import math
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.usage.billing import parse_month
from dashboard.usage.forecast import FORECAST_HEADER, forecast, project
from dashboard.usage.models import ClientQuota, Plan
from kinsta_sync.figures import BANDWIDTH, DISK_USAGE, VISITS
from tests.factories import add_points, assign, make_account, make_client, make_site, make_user

NOVEMBER = parse_month("2026-11", 1)
WEEKDAY = (1.1, 1.15, 1.1, 1.05, 0.95, 0.7, 0.65)  # Monday .. Sunday


def _series(*, start: date, end: date, base: float, growth_per_30: float, noise: float, seed: int) -> dict[date, int]:
    rng = random.Random(seed)
    out, day = {}, start
    while day <= end:
        t = (day - start).days
        value = base * WEEKDAY[day.weekday()] * (1 + growth_per_30) ** (t / 30) * max(0.0, rng.gauss(1, noise))
        out[day] = round(value)
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("growth", [0.0, 0.08, 0.3, -0.1])
@pytest.mark.parametrize("as_of_day", [10, 20])
def test_a_series_with_known_growth_ends_inside_its_range(growth, as_of_day):
    history = _series(start=date(2026, 9, 1), end=NOVEMBER.end, base=10_000, growth_per_30=growth, noise=0.05, seed=7)
    actual = sum(v for d, v in history.items() if d >= NOVEMBER.start)
    as_of = NOVEMBER.start + timedelta(days=as_of_day - 1)
    result = project(history, month=NOVEMBER, as_of=as_of)
    assert result.month_to_date == sum(v for d, v in history.items() if NOVEMBER.start <= d <= as_of)
    assert result.low <= actual <= result.high, (result, actual)
    assert abs(result.projected - actual) / actual < 0.03
    assert result.low < result.projected < result.high


def test_growth_keeps_growing_and_a_flat_average_would_not():
    # 30 % growth a month: the last days of the month are well above the month-so-far's average.
    history = _series(start=date(2026, 9, 1), end=NOVEMBER.end, base=1000, growth_per_30=0.3, noise=0.0, seed=1)
    as_of = date(2026, 11, 10)
    actual = sum(v for d, v in history.items() if d >= NOVEMBER.start)
    so_far = [v for d, v in history.items() if NOVEMBER.start <= d <= as_of]
    naive = sum(so_far) / len(so_far) * NOVEMBER.days
    result = project(history, month=NOVEMBER, as_of=as_of)
    assert abs(result.projected - actual) < abs(naive - actual) / 3
    assert abs(result.projected - actual) / actual < 0.01


def test_weekdays_are_projected_as_weekdays():
    # Busy on weekdays, quiet at weekends: from a Friday, the rest of the month is projected day by day.
    history = {}
    day = date(2026, 9, 1)
    while day <= NOVEMBER.end:
        history[day] = 100 if day.weekday() >= 5 else 1000
        day += timedelta(days=1)
    as_of = date(2026, 11, 13)  # a Friday
    result = project(history, month=NOVEMBER, as_of=as_of)
    actual = sum(v for d, v in history.items() if d >= NOVEMBER.start)
    assert abs(result.projected - actual) <= actual * 0.005
    flat = sum(v for d, v in history.items() if NOVEMBER.start <= d <= as_of) / 13 * 30
    assert abs(flat - actual) > 10 * abs(result.projected - actual)


def test_disk_usage_projects_the_latest_value_at_month_end():
    history = {date(2026, 9, 1) + timedelta(days=i): 10**9 + i * 10**7 for i in range(91)}
    result = project(history, month=NOVEMBER, as_of=date(2026, 11, 20), gauge=True)
    assert result.month_to_date == history[date(2026, 11, 20)]
    assert math.isclose(result.projected, history[date(2026, 11, 30)], rel_tol=0.001)
    assert result.low <= history[date(2026, 11, 30)] <= result.high


def test_a_finished_month_is_its_actual_figure_and_no_history_projects_nothing():
    history = {NOVEMBER.start + timedelta(days=i): 5 for i in range(30)}
    done = project(history, month=NOVEMBER, as_of=NOVEMBER.end)
    assert done.projected == done.low == done.high == done.month_to_date == 150
    empty = project({}, month=NOVEMBER, as_of=date(2026, 11, 5))
    assert (empty.month_to_date, empty.projected, empty.low, empty.high) == (0, 0, 0, 0)


# --- From the database, and the CSV ---------------------------------------------------------------------


@pytest.fixture
def world(db):
    account = make_account(name="Agency")
    Plan.objects.create(
        account=account, monthly_price=Decimal("50"), included_visits=100_000, included_cdn_gb=1, included_disk_gb=1
    )
    acme = make_client("Acme")
    ClientQuota.objects.create(client=acme, visits=20_000)
    sites = []
    for i in range(3):
        site = make_site(account, name=f"site-{i}", staging=True)
        if i < 2:
            assign([site], acme)
        history = _series(start=date(2026, 9, 1), end=NOVEMBER.end, base=500 * (i + 1), growth_per_30=0.05,
                          noise=0.05, seed=i)  # fmt: skip
        add_points(site.live, metric=VISITS, days=history)
        add_points(site.live, metric=BANDWIDTH, days={d: v * 1000 for d, v in history.items()})
        add_points(site.live, metric=DISK_USAGE, days={d: 10**9 for d in history if d.day != 15})
        add_points(site.staging, metric=VISITS, days=dict.fromkeys(history, 99_999))
        sites.append(site)
    staff = make_user("staff", password="pw-staff-123!", is_staff=True)
    return {"account": account, "acme": acme, "sites": sites, "staff": staff}


def test_as_of_uses_only_the_data_up_to_that_day(world):
    account = world["account"]
    before = forecast(account=account, month=NOVEMBER, plan=None, as_of=date(2026, 11, 10))
    # Rewrite everything after the 10th: the projection from the 10th cannot change.
    from kinsta_sync.models import AnalyticsPoint

    AnalyticsPoint.objects.filter(day__gt=date(2026, 11, 10)).update(value=10**12)
    after = forecast(account=account, month=NOVEMBER, plan=None, as_of=date(2026, 11, 10))
    assert before == after
    full = forecast(account=account, month=NOVEMBER, plan=None, as_of=NOVEMBER.end)
    assert full.row("company", None, VISITS).projection.projected > 10**12


def test_the_forecast_counts_live_environments_and_carries_disk_over_gaps(world):
    data = forecast(account=world["account"], month=NOVEMBER, plan=None, as_of=NOVEMBER.end)
    company = data.row("company", None, VISITS).projection
    assert company.month_to_date < 99_999 * 30  # staging's visits are not in it
    disk = data.row("company", None, DISK_USAGE).projection
    assert disk.month_to_date == 3 * 10**9
    acme = data.row("client", world["acme"].pk, VISITS)
    assert acme.included == 20_000
    assert acme.projected_overage == max(0, acme.projection.projected - 20_000)


def test_the_forecast_csv(client, world):
    client.force_login(world["staff"])
    response = client.get("/usage/forecast.csv?month=2026-11&as_of=2026-11-20")
    assert response.status_code == 200
    assert "usage-forecast-2026-11-as-of-2026-11-20.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == FORECAST_HEADER
    body = [dict(zip(FORECAST_HEADER, row, strict=True)) for row in rows[1:]]
    assert {(r["scope"], r["client"]) for r in body} == {("company", ""), ("client", "Acme"), ("client", "Unassigned")}
    assert len(body) == 3 * 4
    company = next(r for r in body if r["scope"] == "company" and r["metric"] == "visits")
    assert company["included"] == "100000"
    assert int(company["projected_low"]) <= int(company["projected"]) <= int(company["projected_high"])
    assert int(company["month_to_date"]) < int(company["projected"])
    acme = next(r for r in body if r["client"] == "Acme" and r["metric"] == "visits")
    assert acme["included"] == "20000"
    cdn = next(r for r in body if r["client"] == "Acme" and r["metric"] == "cdn_bandwidth")
    assert cdn["included"] == "" and cdn["projected_overage"] == ""


def test_the_query_count_does_not_grow_with_the_sites(world, django_assert_num_queries):
    account = world["account"]
    with django_assert_num_queries(4):
        forecast(account=account, month=NOVEMBER, plan=None, as_of=date(2026, 11, 10))
    for i in range(15):
        site = make_site(account, name=f"more-{i}")
        assign([site], world["acme"])
        add_points(site.live, metric=VISITS, days={date(2026, 11, 3): 7})
        add_points(site.live, metric=DISK_USAGE, days={date(2026, 11, 3): 7})
    with django_assert_num_queries(4):
        forecast(account=account, month=NOVEMBER, plan=None, as_of=date(2026, 11, 10))
