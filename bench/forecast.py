#!/usr/bin/env python3
"""Forecast backtest: the month-end projection on day 10 and day 20 of past billing months, against what came.

    DEBUG=1 .venv/bin/python bench/forecast.py [--sites 60] [--days 400] [--clients 12] [--seed 1] [--billing-day 1]
    DEBUG=1 .venv/bin/python bench/forecast.py --database-url sqlite:///demo.sqlite3   # stored history as it is

Without `--database-url` it seeds a throw-away SQLite database with the demo's agency (the fake Kinsta's
generated sites and their daily analytics, `kinsta_sync.fake.data.FakeAgency`, hostile names off), live and
staging environments, the sites spread over `--clients` clients. With it, it reads the history already stored
there (and creates nothing but the usage app's tables).

For every complete billing month with at least four weeks of history before it, it runs
`dashboard.usage.forecast.forecast` with `as_of` on the month's 10th and 20th day (so only the data up to
that day) and compares each scope's (company, each client, unassigned) projection of each metric with the
month's actual figure. It prints the median absolute error (relative to the actual) and how often the actual
fell inside the projected low-high range, per day and per metric. Goal (issue 16): under 5 % on day 20,
the range covering at least 80 %.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The fake's metric names (its API paths) -> ours.
FAKE_METRICS = {
    "visits": "visits",
    "bandwidth": "bandwidth",
    "cdn-bandwidth": "cdn_bandwidth",
    "diskspace": "disk_usage",
}


def seed(*, sites: int, days: int, clients: int, seed_value: int) -> None:
    from clients.models import Client, SiteAssignment
    from kinsta_sync.fake.data import AgencySpec, FakeAgency
    from kinsta_sync.models import AnalyticsPoint, Environment, KinstaAccount, Site

    agency = FakeAgency.generate(AgencySpec(seed=seed_value, sites=sites, days=days, hostile=False))
    account = KinstaAccount(company_id=agency.company_id, name=agency.company_name)
    account.set_api_key("bench-forecast-key-0000")
    account.save()
    client_rows = [Client.objects.create(name=f"Client {i:02d}", slug=f"client-{i:02d}") for i in range(clients)]
    points = []
    for index, fake in enumerate(agency.sites):
        site = Site.objects.create(account=account, kinsta_id=fake.id, name=fake.name, display_name=fake.display_name)
        if index % 8:  # every eighth site stays unassigned
            SiteAssignment.objects.create(site=site, client=client_rows[index % clients], source="manual")
        for env in fake.environments:
            row = Environment.objects.create(
                site=site, kinsta_id=env.id, name=env.name, display_name=env.display_name, is_live=env.name == "live"
            )
            for fake_metric, metric in FAKE_METRICS.items():
                day = agency.first_day
                while day <= agency.today:
                    value = agency.analytics_value(env.id, fake_metric, day)
                    if value is not None:
                        points.append(AnalyticsPoint(environment=row, metric=metric, day=day, value=value))
                    day += timedelta(days=1)
        if len(points) > 20_000:
            AnalyticsPoint.objects.bulk_create(points)
            points = []
    AnalyticsPoint.objects.bulk_create(points)


def backtest(*, billing_day: int) -> dict[str, list[tuple[str, float, bool]]]:
    """{"day 10"/"day 20": [(metric, relative error, inside the range), ...]} over every account and month."""
    from django.db.models import Max, Min

    from dashboard.usage.billing import month_containing
    from dashboard.usage.forecast import forecast
    from kinsta_sync.models import AnalyticsPoint, KinstaAccount

    results: dict[str, list[tuple[str, float, bool]]] = defaultdict(list)
    for account in KinstaAccount.objects.all():
        span = AnalyticsPoint.objects.filter(environment__site__account=account).aggregate(
            first=Min("day"), last=Max("day")
        )
        if span["first"] is None:
            continue
        month = month_containing(span["first"] + timedelta(days=28), billing_day).next(billing_day)
        while month.end <= span["last"]:
            actual = forecast(account=account, month=month, plan=None, as_of=month.end)
            truth = {(r.scope, r.client_id, r.metric): r.projection.projected for r in actual.rows}
            for label, offset in (("day 10", 9), ("day 20", 19)):
                as_of = month.start + timedelta(days=offset)
                projected = forecast(account=account, month=month, plan=None, as_of=as_of)
                for row in projected.rows:
                    real = truth[(row.scope, row.client_id, row.metric)]
                    if real <= 0:
                        continue
                    error = abs(row.projection.projected - real) / real
                    inside = row.projection.low <= real <= row.projection.high
                    results[label].append((row.metric, error, inside))
            month = month.next(billing_day)
    return results


def report(results: dict[str, list[tuple[str, float, bool]]]) -> None:
    print(f"{'':8} {'metric':14} {'cases':>6} {'median abs error':>17} {'p90 abs error':>14} {'in range':>9}")
    for label in ("day 10", "day 20"):
        cases = results.get(label, [])
        by_metric: dict[str, list[tuple[float, bool]]] = defaultdict(list)
        for metric, error, inside in cases:
            by_metric[metric].append((error, inside))
        for metric, items in [("all", [(e, i) for _, e, i in cases]), *sorted(by_metric.items())]:
            if not items:
                continue
            errors = sorted(e for e, _ in items)
            p90 = errors[min(len(errors) - 1, int(len(errors) * 0.9))]
            coverage = sum(1 for _, inside in items if inside) / len(items)
            print(
                f"{label:8} {metric:14} {len(items):6d} {statistics.median(errors):16.2%} {p90:13.2%} {coverage:9.1%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--billing-day", type=int, default=1)
    parser.add_argument("--database-url", default="", help="backtest the history stored there (no seeding)")
    args = parser.parse_args()

    workdir = None
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        workdir = tempfile.mkdtemp(prefix="bench-forecast-")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "true")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", "--no-input", verbosity=0)
        if workdir:
            seed(sites=args.sites, days=args.days, clients=args.clients, seed_value=args.seed)
            print(f"demo agency: {args.sites} sites, {args.days} days, {args.clients} clients, seed {args.seed}")
        report(backtest(billing_day=args.billing_day))
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
