#!/usr/bin/env python3
"""Report benchmark: the agency overview and a 50-site client report against a large agency.

    DEBUG=1 .venv/bin/python bench/reports.py [--sites 500] [--clients 100] [--days 365] [--runs 10]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports DEBUG=1 .venv/bin/python bench/reports.py

Seeds its own database (a temporary SQLite file by default; with DATABASE_URL a PostgreSQL database, created
if missing and emptied first): `--sites` sites with a live environment each and staging for 40 % of them,
`--days` days of all four metrics (with a few gaps), activity entries and sync runs, spread over
`--clients` clients of which one has `--report-sites` sites. Then, logged in as staff through Django's test
client, it measures the overview (`/`) and that client's report (`/clients/<slug>/`, 30 days against the
30 before, the default) and prints, for each, against the median time of the bare SQL that reads the same
rows (sums per environment or client for both periods and the latest disk reading; for the report also every
live environment's four metrics per day over both periods, the rows its charts are drawn from):

- cold: the first request after the data version changed (dashboard.reports.cache: a finished sync run is added
  before each sample, as a sync would), so nothing of the page is cached: median time, queries, ratio;
- warm: the same request again (report data and page fragments from the cache): median time, queries, ratio;
- selector: the selector alone, uncached.

It measures the same report through a share link too (no login; the report and its cached sections come from
the same report cache).

The cache is the configured one (LocMemCache without REDIS_URL). The bench's own runs are deleted at the end.

Targets (issue 4): report at most 1.5x and overview at most 2x the bare SQL; at most 10 and 15 queries.
The report's anchor was the totals alone until 2026-12 (still printed as "totals"; a cold report was 7x
that). Against the rows it reads the cold report is still over 1.5x, and the last row shows why that target
cannot be met as it stands: the report page of a client *with no sites* (session, auth, data version, the
sections' own queries, the layout; nothing read or drawn) already costs 0.68x (SQLite) and 1.46x
(PostgreSQL) of the 50-site report's bare SQL (2026-12-02, `--sites 100 --clients 20 --days 90 --runs 9
--skip-exports`, the second core busy: SQLite cold report 69.9 ms, 2.98x of 23.4 ms, empty report 16.0 ms;
PostgreSQL 80.4 ms, 4.88x of 16.5 ms, empty report 24.1 ms). What grows with the sites is printed as
"above the page without sites": 2.30x (SQLite) and 3.42x (PostgreSQL) of the bare SQL then; the selector's
row handling, the charts and the activity and site tables.

Then, unless `--skip-exports`, it runs `bench/exports.py` (its own database, same engine) and prints the PDF
time of a 50-site client and the peak memory of a 500-site, 365-day CSV export (targets of issue 5).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 10_000


def _ensure_postgres_database(url: str, *, fresh: bool = False) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet (`fresh`: drop it first)."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    conninfo = {"host": config.get("HOST") or None, "port": config.get("PORT") or None, "dbname": "postgres",
                "user": config.get("USER") or None, "password": config.get("PASSWORD") or None}  # fmt: skip
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(config["NAME"])))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def seed(*, sites: int, clients: int, days: int, report_sites: int, seed_value: int = 7) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from clients.models import Client, SiteAssignment
    from kinsta_sync.models import (
        ActivityLogEntry,
        AnalyticsPoint,
        Environment,
        KinstaAccount,
        Site,
        SiteLabel,
        SyncRun,
        today_utc,
    )

    rng = random.Random(seed_value)
    today = today_utc()
    first_day = today - timedelta(days=days)
    with transaction.atomic():
        account = KinstaAccount(company_id="bench-company", name="Bench Agency")
        account.set_api_key("bench-key-0000000000")
        account.save()
        label = SiteLabel.objects.create(account=account, kinsta_id="label-1", name="Bench")
        site_rows = Site.objects.bulk_create(
            Site(
                account=account,
                kinsta_id=f"site-{i}",
                name=f"site-{i:04d}",
                display_name=f"Site {i:04d}",
                status="live",
            )
            for i in range(sites)
        )
        Site.labels.through.objects.bulk_create(
            Site.labels.through(site_id=site.pk, sitelabel_id=label.pk) for site in site_rows
        )
        envs: list[Environment] = []
        for site in site_rows:
            envs.append(Environment(site=site, kinsta_id=f"{site.kinsta_id}-live", name="live", display_name="Live",
                                    is_live=True, primary_domain=f"{site.name}.example",
                                    domains=[f"{site.name}.example"], php_version="php8.3",
                                    wordpress_version="6.7"))  # fmt: skip
            if rng.random() < 0.4:
                envs.append(Environment(site=site, kinsta_id=f"{site.kinsta_id}-stg", name="staging",
                                        display_name="Staging", is_live=False,
                                        primary_domain=f"stg-{site.name}.kinsta.cloud"))  # fmt: skip
        envs = Environment.objects.bulk_create(envs)

        client_rows = Client.objects.bulk_create(
            Client(name=f"Client {c:03d}", slug=f"client-{c:03d}") for c in range(clients)
        )
        # The first client has `report_sites` sites; the rest are dealt round-robin to the others.
        assignments = [SiteAssignment(site=site, client=client_rows[0]) for site in site_rows[:report_sites]]
        others = client_rows[1:] or client_rows
        assignments += [
            SiteAssignment(site=site, client=others[i % len(others)]) for i, site in enumerate(site_rows[report_sites:])
        ]
        SiteAssignment.objects.bulk_create(assignments)

    points = 0
    batch: list[AnalyticsPoint] = []
    for env in envs:
        base = rng.lognormvariate(6, 1.2) * (1 if env.is_live else 0.02)
        disk = rng.randint(500, 20_000) * 1_000_000
        for d in range(days):
            day = first_day + timedelta(days=d)
            if rng.random() < 0.02:  # a day Kinsta has nothing for: a gap, not a zero
                continue
            visits = max(0, int(base * rng.uniform(0.6, 1.4)))
            disk += rng.randint(-5, 20) * 1_000_000
            for metric, value in (
                ("visits", visits),
                ("bandwidth", visits * rng.randint(1_000_000, 3_000_000)),
                ("cdn_bandwidth", visits * rng.randint(300_000, 1_500_000)),
                ("disk_usage", disk),
            ):
                batch.append(AnalyticsPoint(environment_id=env.pk, metric=metric, day=day, value=value))
            if len(batch) >= BATCH:
                AnalyticsPoint.objects.bulk_create(batch)
                points += len(batch)
                batch = []
    AnalyticsPoint.objects.bulk_create(batch)
    points += len(batch)

    now = timezone.now()
    ActivityLogEntry.objects.bulk_create(
        (
            ActivityLogEntry(
                account=account,
                kinsta_id=i,
                site=rng.choice(site_rows),
                type="clearCache",
                occurred_at=now - timedelta(minutes=rng.randint(0, days * 24 * 60)),
                description=f"Clear cache {i}",
                initiated_by_name="Bench User",
                has_failed=rng.random() < 0.03,
            )
            for i in range(sites * 20)
        ),
        batch_size=BATCH,
    )
    SyncRun.objects.bulk_create(
        SyncRun(
            account=account,
            trigger="schedule",
            status="success",
            started_at=now - timedelta(hours=h + 1),
            finished_at=now - timedelta(hours=h),
            requests=900,
        )
        for h in range(50)
    )
    # The benchmark logs in with force_login: the user needs no usable password.
    staff = get_user_model().objects.create_user("bench-staff", is_staff=True)
    return {"staff": staff, "report_client": client_rows[0], "points": points, "environments": len(envs)}


def seeded() -> dict[str, Any]:
    """What `seed()` returns, read back from a database it filled earlier (--reuse)."""
    from django.contrib.auth import get_user_model

    from clients.models import Client
    from kinsta_sync.models import AnalyticsPoint, Environment

    return {
        "staff": get_user_model().objects.get(username="bench-staff"),
        "report_client": Client.objects.get(slug="client-000"),
        "points": AnalyticsPoint.objects.count(),
        "environments": Environment.objects.count(),
    }


# --- The bare SQL that reads the same rows -------------------------------------------------------------------
# What a person would write by hand for the figures on the page: the sums of the three summed metrics per
# environment (report) or per client (overview, live environments) for the period and the comparison
# period in one pass, and the latest disk reading of each environment in each period (one index probe per
# environment and period). For the report also every daily value its charts need: each live environment's
# four metrics per day over the period and the comparison period (DAILY_PER_ENVIRONMENT). It leaves out
# what the page adds: labels, activity, sync health (and the overview's trend lines).

SUMS_PER_ENVIRONMENT = """
SELECT a.environment_id, a.metric,
       SUM(CASE WHEN a.day >= %(start)s THEN a.value END),
       SUM(CASE WHEN a.day <= %(compare_end)s THEN a.value END)
FROM kinsta_sync_analyticspoint a
JOIN kinsta_sync_environment e ON e.id = a.environment_id
JOIN clients_siteassignment s ON s.site_id = e.site_id
WHERE s.client_id = %(client)s AND a.day BETWEEN %(compare_start)s AND %(end)s
  AND a.metric IN ('visits', 'bandwidth', 'cdn_bandwidth')
GROUP BY a.environment_id, a.metric
"""

SUMS_PER_CLIENT = """
SELECT s.client_id, a.metric,
       SUM(CASE WHEN a.day >= %(start)s THEN a.value END),
       SUM(CASE WHEN a.day <= %(compare_end)s THEN a.value END)
FROM kinsta_sync_analyticspoint a
JOIN kinsta_sync_environment e ON e.id = a.environment_id
JOIN clients_siteassignment s ON s.site_id = e.site_id
WHERE e.is_live AND a.day BETWEEN %(compare_start)s AND %(end)s
  AND a.metric IN ('visits', 'bandwidth', 'cdn_bandwidth')
GROUP BY s.client_id, a.metric
"""

# The report's charts: every point of the client's live environments in the period and the comparison period
# (the bench's comparison is the previous period, which ends the day before the period starts: one range).
DAILY_PER_ENVIRONMENT = """
SELECT a.environment_id, a.metric, a.day, a.value
FROM kinsta_sync_analyticspoint a
JOIN kinsta_sync_environment e ON e.id = a.environment_id
JOIN clients_siteassignment s ON s.site_id = e.site_id
WHERE s.client_id = %(client)s AND e.is_live AND a.day BETWEEN %(compare_start)s AND %(end)s
"""

_LATEST = """(SELECT a.value FROM kinsta_sync_analyticspoint a
    WHERE a.environment_id = e.id AND a.metric = 'disk_usage' AND a.day BETWEEN %({start})s AND %({end})s
    ORDER BY a.day DESC LIMIT 1)"""

DISK_PER_ENVIRONMENT = f"""
SELECT e.id, {_LATEST.format(start="start", end="end")}, {_LATEST.format(start="compare_start", end="compare_end")}
FROM kinsta_sync_environment e JOIN clients_siteassignment s ON s.site_id = e.site_id
WHERE s.client_id = %(client)s
"""  # noqa: S608 - built from the constant above

DISK_PER_CLIENT = f"""
SELECT s.client_id, SUM(d.disk), SUM(d.previous_disk) FROM (
  SELECT e.site_id, {_LATEST.format(start="start", end="end")} AS disk,
         {_LATEST.format(start="compare_start", end="compare_end")} AS previous_disk
  FROM kinsta_sync_environment e WHERE e.is_live
) d JOIN clients_siteassignment s ON s.site_id = d.site_id
GROUP BY s.client_id
"""  # noqa: S608 - built from the constant above


def bare_sql(statements: list[tuple[str, dict[str, Any]]]) -> int:
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, params)
            rows += len(cursor.fetchall())
    return rows


def measure(fns: dict[str, Any], runs: int, *, before: dict[str, Any] | None = None) -> dict[str, float]:
    """Median wall time of each function, run interleaved (so a busy machine slows them alike).

    `before[name]`, when given, runs untimed before each timed call of `fns[name]`.
    """
    before = before or {}
    for name, fn in fns.items():
        for _ in range(2):
            before.get(name, _nothing)()
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            before.get(name, _nothing)()
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def _nothing() -> None:
    pass


BUMP_STEPS = ["bench-version-bump"]


def bump_version() -> None:
    """Change the report data version as a finished sync does (a new SyncRun row), so the next request is cold."""
    from django.utils import timezone

    from kinsta_sync.models import KinstaAccount, SyncRun

    now = timezone.now()
    SyncRun.objects.create(
        account=KinstaAccount.objects.order_by("pk").first(), trigger="manual", steps=BUMP_STEPS,
        status="success", started_at=now, finished_at=now,
    )  # fmt: skip


EMPTY_CLIENT = "bench-no-sites"


def _print_floor(http: Any, report: dict[str, float], runs: int, sites: int) -> None:
    """The report page of a client with no sites: what every cold report costs before it reads or draws one
    figure (session, auth, data version, the sections' own queries, the layout), and the `sites`-site report's
    cold time above it, against the bare SQL of its rows (the part of the page that grows with the sites)."""
    from clients.models import Client

    Client.objects.get_or_create(slug=EMPTY_CLIENT, defaults={"name": "Bench client without sites"})

    def view() -> None:
        response = http.get(f"/clients/{EMPTY_CLIENT}/")
        assert response.status_code == 200, response.status_code

    times = measure({"cold": view, "warm": view}, runs, before={"cold": bump_version})
    bump_version()
    queries = count_queries(view)
    above, ratio = report["cold"] - times["cold"], times["cold"] / report["bare"]
    print(
        f"{'report (no sites)':<18} {times['cold'] * 1000:>6.1f} ms {queries:>3} {ratio:>7.2f}x  "
        f"{times['warm'] * 1000:>5.1f} ms      (against the {sites}-site report's bare SQL)"
    )
    print(
        f"\nthe {sites}-site report's cold time above the page without sites: {above * 1000:.1f} ms, "
        f"{above / report['bare']:.2f}x its bare SQL ({report['bare'] * 1000:.1f} ms)"
    )


def count_queries(fn) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--report-sites", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--skip-exports", action="store_true", help="leave out the PDF and CSV export figures")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database seeded by an earlier run instead of seeding again"
    )
    args = parser.parse_args()

    # Without a DATABASE_URL: a throw-away SQLite file (~120 MB with the defaults), removed at the end.
    workdir = "" if args.database_url else tempfile.mkdtemp(prefix="bench-reports-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    try:
        _run(args)
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    if not args.skip_exports:
        _run_exports(args.database_url)


def _run_exports(database_url: str) -> None:
    """bench/exports.py in a process of its own: its own data, and a CSV memory peak not inflated by ours."""
    import subprocess

    command = [sys.executable, str(ROOT / "bench" / "exports.py")]
    if database_url:
        # A fresh database of its own beside the reports bench's.
        exports_url = database_url.rsplit("/", 1)[0] + "/bench_exports"
        _ensure_postgres_database(exports_url, fresh=True)
        command += ["--database-url", exports_url]
    print("\nexports (bench/exports.py):", flush=True)
    subprocess.run(command, check=True, env={**os.environ, "DEBUG": os.environ.get("DEBUG", "true")})


def _run(args: argparse.Namespace) -> None:
    os.environ.setdefault("DEBUG", "true")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    if os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        _ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as HttpClient

    from dashboard.reports.periods import parse_period
    from kinsta_sync.models import AnalyticsPoint, today_utc

    # DEBUG=1 only lets the settings load without production secrets; the timed requests run without
    # Django's debug query log (CaptureQueriesContext turns it on for the one request it counts).
    settings.DEBUG = False
    call_command("migrate", "--no-input", verbosity=0)
    started = time.perf_counter()
    if args.reuse and AnalyticsPoint.objects.exists():
        data = seeded()
    else:
        # A throw-away database: start from empty tables.
        call_command("flush", "--no-input", verbosity=0)
        data = seed(sites=args.sites, clients=args.clients, days=args.days, report_sites=args.report_sites)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as a production database would have
    seconds = time.perf_counter() - started
    print(
        f"database: {connection.vendor}; {args.sites} sites ({data['environments']} environments), {args.clients} "
        f"clients, {args.days} days, {data['points']:,} analytics points; seeded in {seconds:.0f} s"
    )

    http = HttpClient()
    http.force_login(data["staff"])
    slug = data["report_client"].slug
    period, compare = parse_period({}, today=today_utc())
    params = {
        "start": period.start, "end": period.end, "compare_start": compare.start, "compare_end": compare.end,
        "client": data["report_client"].pk,
    }  # fmt: skip
    print(f"period: {period.start} to {period.end}, compared with {compare.start} to {compare.end}\n")

    from clients.models import Client
    from dashboard.delivery.models import ShareLink
    from dashboard.delivery.sharing import create_share_link, share_path
    from dashboard.reports.selectors import agency_overview, client_report

    def get(url: str):  # type: ignore[no-untyped-def]
        def fetch() -> None:
            response = http.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    report_client = data["report_client"]
    share_link = create_share_link(
        client=report_client, query={"period": "30d", "compare": "previous"}, days=1, created_by=data["staff"]
    )
    cases = [
        (
            "overview",
            get("/"),
            lambda: agency_overview(clients=Client.objects.filter(is_active=True), period=period, compare=compare),
            [(SUMS_PER_CLIENT, params), (DISK_PER_CLIENT, params)],
            [(SUMS_PER_CLIENT, params), (DISK_PER_CLIENT, params)],
            2.0,
            15,
        ),
        (
            f"report ({args.report_sites} sites)",
            get(f"/clients/{slug}/"),
            lambda: client_report(audience="staff", client=report_client, period=period, compare=compare),
            [(SUMS_PER_ENVIRONMENT, params), (DISK_PER_ENVIRONMENT, params), (DAILY_PER_ENVIRONMENT, params)],
            [(SUMS_PER_ENVIRONMENT, params), (DISK_PER_ENVIRONMENT, params)],
            1.5,
            10,
        ),
        (
            # The same report through a share link (no login): it reads the same report cache.
            "share link",
            get(share_path(share_link)),
            lambda: client_report(audience="share", client=report_client, period=period, compare=compare),
            [(SUMS_PER_ENVIRONMENT, params), (DISK_PER_ENVIRONMENT, params), (DAILY_PER_ENVIRONMENT, params)],
            [(SUMS_PER_ENVIRONMENT, params), (DISK_PER_ENVIRONMENT, params)],
            1.5,
            10,
        ),
    ]
    header = (
        f"{'page':<18} {'cold':>9} {'q':>3} {'cold/SQL':>8}  {'warm':>8} {'q':>3} {'warm/SQL':>8}  "
        f"{'selector':>9} {'bare SQL':>9} {'totals':>9}  target (server/SQL, queries): cold, warm"
    )
    print(header)
    print("-" * len(header))

    def verdict(ratio: float, queries: int, max_ratio: float, max_queries: int) -> str:
        return "ok" if ratio <= max_ratio and queries <= max_queries else "MISSED"

    results: dict[str, dict[str, float]] = {}
    for name, view, selector, statements, totals_only, max_ratio, max_queries in cases:
        times = measure(
            {
                "cold": view,
                "warm": view,
                "selector": selector,
                "bare": lambda s=statements: bare_sql(s),
                "totals": lambda s=totals_only: bare_sql(s),
            },
            args.runs,
            before={"cold": bump_version},
        )
        bump_version()
        cold_queries = count_queries(view)
        warm_queries = count_queries(view)
        cold, warm = times["cold"] / times["bare"], times["warm"] / times["bare"]
        verdicts = [verdict(r, q, max_ratio, max_queries) for r, q in ((cold, cold_queries), (warm, warm_queries))]
        print(
            f"{name:<18} {times['cold'] * 1000:>6.1f} ms {cold_queries:>3} {cold:>7.2f}x  "
            f"{times['warm'] * 1000:>5.1f} ms {warm_queries:>3} {warm:>7.2f}x  "
            f"{times['selector'] * 1000:>6.1f} ms {times['bare'] * 1000:>6.1f} ms {times['totals'] * 1000:>6.1f} ms  "
            f"<= {max_ratio}x, <= {max_queries}: "
            f"{', '.join(verdicts)}"
        )
        results[name] = {**times, "queries": cold_queries}
    _print_floor(http, results[cases[1][0]], args.runs, args.report_sites)
    from kinsta_sync.models import SyncRun

    SyncRun.objects.filter(steps=BUMP_STEPS).delete()
    Client.objects.filter(slug=EMPTY_CLIENT).delete()
    ShareLink.objects.filter(pk=share_link.pk).delete()
    print(
        "\ncold: the whole request in Django (session, auth, data version, selector, charts, template) right after"
        "\n  the data version changed; warm: the same request again, served from the cache; selector: the data"
        "\n  alone, uncached; bare SQL: hand-written SQL reading the same rows (report: the totals and every"
        "\n  live environment's daily values of both periods; overview: the totals); totals: the totals alone"
        "\n  (the report's anchor before 2026-12; medians, interleaved)."
    )


if __name__ == "__main__":
    main()
