#!/usr/bin/env python3
"""Load benchmark: gunicorn on PostgreSQL with a 500-site agency, 20 concurrent users for 60 seconds.

    DEBUG=1 .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--workers 4]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_load] [--reuse] [--pages overview,report,csv]

Seeds the database with bench/reports.py's agency (500 sites, 100 clients, 365 days, live and staging;
`--reuse` keeps a database seeded by an earlier run), starts gunicorn in production mode (DEBUG off) on a
loopback port, logs `--users` virtual staff users in through the login form, and lets each loop over the
agency overview, a 50-site client report and that report's CSV for `--seconds` (`--pages` picks a subset).
Prints requests, errors and the p50/p95/p99 latency per page and overall, and the load average. Target
(issue 6): no errors, p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = secrets.token_urlsafe(16)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(database_url: str, *, reuse: bool) -> str:
    """Seed (or reuse) the database; returns the report client's slug."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    from bench.reports import _ensure_postgres_database, seed, seeded

    _ensure_postgres_database(database_url)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    if reuse and get_user_model().objects.filter(username="bench-staff").exists():
        info = seeded()
    else:
        call_command("flush", "--no-input", verbosity=0)
        started = time.monotonic()
        info = seed(sites=500, clients=100, days=365, report_sites=50)
        print(f"seeded {info['points']:,} analytics points in {time.monotonic() - started:.0f} s", flush=True)
    staff = info["staff"]
    staff.set_password(PASSWORD)
    staff.save(update_fields=["password"])
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    return info["report_client"].slug


def start_gunicorn(database_url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        # Plain HTTP on loopback: no TLS redirect, cookies without the Secure flag.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        LOG_LEVEL="WARNING",
    )
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "dashboard.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--access-logfile", "-", "--access-logformat", "", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    page = client.get("/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login/", data={"username": "bench-staff", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )  # fmt: skip
    if response.status_code != 302:
        raise SystemExit(f"login failed: HTTP {response.status_code}")
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load")
    )
    parser.add_argument("--reuse", action="store_true", help="reuse a database seeded by an earlier run")
    parser.add_argument(
        "--pages", default="overview,report,csv", help="comma-separated subset of overview, report, csv to load"
    )
    args = parser.parse_args()

    slug = prepare(args.database_url, reuse=args.reuse)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(args.database_url, port, args.workers)
    every = {"overview": "/", "client report": f"/clients/{slug}/", "report CSV": f"/clients/{slug}/report.csv"}
    chosen = {"overview": "overview", "report": "client report", "csv": "report CSV"}
    wanted = {name.strip() for name in args.pages.split(",")}
    if not wanted <= chosen.keys():
        parser.error(f"--pages takes {', '.join(chosen)}")
    pages = {chosen[key]: every[chosen[key]] for key in chosen if key in wanted}
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    try:
        clients = [login(base) for _ in range(args.users)]
        # One warm-up round per page (worker start-up, caches), not counted.
        for url in pages.values():
            clients[0].get(url)
        deadline = time.monotonic() + args.seconds

        def user(index: int, client: httpx.Client) -> None:
            names = list(pages)
            turn = index
            while time.monotonic() < deadline:
                name = names[turn % len(names)]
                turn += 1
                started = time.perf_counter()
                try:
                    response = client.get(pages[name])
                    response.read()
                    problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[name].append(elapsed)
                    if problem:
                        errors[name].append(problem)

        threads = [threading.Thread(target=user, args=(i, c)) for i, c in enumerate(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    everything = [v for values in latencies.values() for v in values]
    print(f"\n{args.users} users for {wall:.0f} s against gunicorn ({args.workers} workers, PostgreSQL, DEBUG off)")
    header = f"{'page':<14} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    print(header)
    print("-" * len(header))
    for name, values in [*latencies.items(), ("all", everything)]:
        failed = sum(len(e) for e in errors.values()) if name == "all" else len(errors[name])
        print(
            f"{name:<14} {len(values):>8} {failed:>6} {statistics.median(values) * 1000:>7.0f} "
            f"{percentile(values, 0.95) * 1000:>7.0f} {percentile(values, 0.99) * 1000:>7.0f}"
        )
    print(f"\nthroughput: {len(everything) / wall:.1f} requests/s; load average {os.getloadavg()[0]:.2f} (1 min)")
    for name, problems in errors.items():
        print(f"errors on {name}: {sorted(set(problems))}")


if __name__ == "__main__":
    main()
