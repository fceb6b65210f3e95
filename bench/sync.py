#!/usr/bin/env python3
"""Sync benchmark: a large agency against the fake Kinsta over real HTTP.

    DEBUG=1 .venv/bin/python bench/sync.py [--sites 200] [--rpm 600] [--database-url URL]

Runs a first sync (backfill) and a daily sync of `--sites` sites and prints, for each: requests, requests
per live environment and per environment, the highest rate the fake saw in any 60-second window and the
average rate, each as a share of the app's allowed rate, 429s seen and elapsed time.

The app's limit (`--rpm`) and the fake's limit (Kinsta's 120/min scaled by the same factor, i.e. rpm x 1.2)
are raised together so the benchmark takes minutes instead of hours; the shape of the run is the same.
Targets (issue 2): at most 4 analytics requests per environment per daily run plus a constant per company;
at least 90 % of the allowed rate; no 429 when nothing else uses the budget. Issue 14: at most 3 more per
environment for plugins, themes and backups (the wordpress step), printed on their own line. Issue 17: at
most 4 per live environment for response codes, countries, referrers and devices (the traffic step), also on
their own line.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--rpm", type=int, default=600, help="the app's requests per minute")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-sync-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "true")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from kinsta_sync.api.limits import reset_limiters
    from kinsta_sync.fake.app import FakeKinsta
    from kinsta_sync.fake.data import AgencySpec, FakeAgency
    from kinsta_sync.fake.server import serve
    from kinsta_sync.models import Environment, KinstaAccount, SyncRun
    from kinsta_sync.sync import ALL_STEPS, DAILY_STEPS, run_sync

    if connection.vendor == "postgresql":
        # A throw-away database: start from empty tables.
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)

    agency = FakeAgency.generate(AgencySpec(seed=42, sites=args.sites, days=args.days, hostile=True))
    fake_rpm = round(args.rpm * 120 / 100)
    app = FakeKinsta(agency, api_key="bench-key", requests_per_minute=fake_rpm)
    server = serve(app)
    settings.KINSTA_API_URL = server.url
    settings.KINSTA_REQUESTS_PER_MINUTE = args.rpm
    account, _ = KinstaAccount.objects.get_or_create(company_id=agency.company_id, defaults={"name": "Bench"})
    account.set_api_key("bench-key")
    account.save()

    envs = sum(len(site.environments) for site in agency.sites)
    live = len(agency.sites)
    print(f"database: {connection.vendor}; fake: {args.sites} sites, {live} live + {envs - live} staging environments")
    print(f"allowed: app {args.rpm}/min (fake enforces {fake_rpm}/min)\n")
    header = (
        f"{'run':<10} {'requests':>8} {'per live env':>12} {'per env':>8} {'max 60s rate':>13} {'avg rate':>9} "
        f"{'429s':>5} {'elapsed':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, steps in (("first", ALL_STEPS), ("daily", DAILY_STEPS)):
        # Scheduled runs are hours apart: each starts with the company's full budget, as a fresh process would.
        reset_limiters()
        app.reset_rate_limits()
        app.stats.reset()
        started = time.monotonic()
        run = run_sync(account=account, trigger=SyncRun.Trigger.MANUAL, steps=steps)
        elapsed = time.monotonic() - started
        requests = app.stats.requests
        avg_rate = requests / (elapsed / 60)
        print(
            f"{label:<10} {requests:>8} {requests / live:>12.2f} {requests / envs:>8.2f} "
            f"{app.stats.max_rate_per_minute / args.rpm:>12.0%} {avg_rate / args.rpm:>9.0%} "
            f"{app.stats.throttled:>5} {elapsed:>7.1f}s"
        )
        if run.status != SyncRun.Status.SUCCESS:
            print(f"  run status {run.status}: {run.errors[:3]}")
    # Issue 2's four metrics; the traffic step's response codes, countries, referrers and devices (issue 17: at
    # most 4 per live environment) share the /analytics/ prefix and are counted apart.
    traffic_routes = ("/response-codes", "/top-countries", "/top-referrers", "/visits-dispersion")
    traffic_requests = sum(n for route, n in app.stats.by_path.items() if route.endswith(traffic_routes))
    analytics_requests = sum(n for route, n in app.stats.by_path.items() if "/analytics/" in route) - traffic_requests
    wordpress_routes = ("/wp-plugins", "/wp-themes", "/plugins", "/themes", "/backups")
    wordpress_requests = sum(n for route, n in app.stats.by_path.items() if route.endswith(wordpress_routes))
    print(
        "\nmax 60s rate: the most requests the fake received in any 60-second window, as a share of the app's\n"
        "allowed rate (the limiter's target: close to, never above, 100%). avg rate: requests / elapsed minutes;\n"
        "above 100% when a run is shorter than about two windows (it starts with a full minute's budget)."
    )
    print(
        f"\ndaily run: {analytics_requests} analytics requests for {Environment.objects.count()} environments "
        f"({analytics_requests / envs:.2f} each), {wordpress_requests} plugin/theme/backup requests "
        f"({wordpress_requests / envs:.2f} each), {traffic_requests} traffic requests for {live} live environments "
        f"({traffic_requests / live:.2f} each) + "
        f"{app.stats.requests - analytics_requests - wordpress_requests - traffic_requests} per company"
    )
    server.stop()


if __name__ == "__main__":
    main()
