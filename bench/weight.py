#!/usr/bin/env python3
"""Page weight benchmark: the JavaScript a browser downloads for a report, on a first and a second visit.

    .venv/bin/python bench/weight.py [--mbps 10] [--rtt-ms 40]

Serves static files exactly as production does: a throw-away directory gets an SQLite database with a demo
client (bench/reports.py's seed, 8 sites and 90 days) and `collectstatic`'s output (hashed names, gzip and
brotli copies), and gunicorn runs the app with DEBUG off (WhiteNoise answers /static/). Debian's Chromium
(Playwright, the test suite's launch flags) then opens, in a fresh browser context each:

- the client's share link (`/share/<token>/`, no login: what a client opening the e-mailed link gets);
- the client's report (`/clients/<slug>/`) as staff, after the login page (which loads app.js only);

twice in the same context, and prints for each visit the JavaScript transferred (response bodies as sent,
compressed, plus headers: Chromium's `encodedDataLength` from the DevTools network events), the requests
that went to the network and those answered from the browser's cache, everything transferred, and the
time from navigation start until every chart on the page is drawn. `--mbps`/`--rtt-ms` throttle the
browser's network (DevTools network emulation); by default it is loopback, unthrottled.

Target (issue "Product polish", speed and weight): at most 1.5 MB of JavaScript on a first visit, 0 bytes on
the second.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = secrets.token_urlsafe(16)
# Chromium's flags from tests/conftest.py (the browser fixture).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# True (the time since navigation start) once the page has charts and every one of them is drawn.
CHARTS_DRAWN = """() => {
  const plots = document.querySelectorAll(".plot");
  return plots.length > 0 && [...plots].every((plot) => plot.querySelector(".main-svg")) && performance.now();
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(workdir: Path) -> dict[str, str]:
    """The environment of a production deploy, on plain HTTP over loopback, in a throw-away directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "REDIS_CACHE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        STATIC_ROOT=str(workdir / "staticfiles"),
        MEDIA_ROOT=str(workdir / "media"),
        REPORTS_ROOT=str(workdir / "reports-archive"),
        # Plain HTTP on loopback: no TLS redirect, cookies without the Secure flag.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        LOG_LEVEL="WARNING",
    )
    return env


def prepare(env: dict[str, str]) -> dict[str, str]:
    """Migrate and seed the database, collect the static files; returns the paths to open."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from bench.reports import seed
    from dashboard.delivery.sharing import create_share_link, share_path

    call_command("migrate", "--no-input", verbosity=0)
    info = seed(sites=8, clients=1, days=90, report_sites=8)
    staff = info["staff"]
    staff.set_password(PASSWORD)
    staff.save(update_fields=["password"])
    client = info["report_client"]
    link = create_share_link(client=client, query={"period": "30d"}, days=7, created_by=staff)

    started = time.monotonic()
    call_command("collectstatic", "--no-input", verbosity=0)
    print(f"collectstatic (hashed names, gzip and brotli): {time.monotonic() - started:.1f} s", flush=True)
    return {"share link": share_path(link), "report (staff)": f"/clients/{client.slug}/?period=30d"}


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "dashboard.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--access-logfile", "-", "--access-logformat", "", "--log-level", "warning",
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


@dataclass
class Visit:
    """What one page load cost, from Chromium's DevTools network events."""

    charts_ms: float = 0.0
    js_bytes: int = 0
    all_bytes: int = 0
    js_network: int = 0
    js_cached: int = 0
    scripts: list[str] = field(default_factory=list)  # "name  encoding  bytes  cache-control", first visit


class NetworkLog:
    """Collects the DevTools Network events of one page: resource type, cache hits, bytes received."""

    def __init__(self, cdp: Any) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        self.requests[event["requestId"]] = {"url": event["request"]["url"], "type": event.get("type"), "bytes": 0,
                                             "cached": False, "headers": {}}  # fmt: skip

    def _from_cache(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["cached"] = True

    def _response(self, event: dict[str, Any]) -> None:
        request = self.requests.setdefault(event["requestId"], {"url": event["response"]["url"], "bytes": 0})
        response = event["response"]
        request["type"] = event.get("type", request.get("type"))
        request["headers"] = {k.lower(): v for k, v in response.get("headers", {}).items()}
        request["cached"] = request.get("cached") or response.get("fromDiskCache") or response.get("fromPrefetchCache")

    def _finished(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = int(event.get("encodedDataLength", 0))

    def take(self) -> list[dict[str, Any]]:
        requests, self.requests = list(self.requests.values()), {}
        return requests


def visit(page: Any, log: NetworkLog, url: str) -> Visit:
    page.goto(url)
    charts_ms = page.wait_for_function(CHARTS_DRAWN, polling="raf", timeout=60_000).json_value()
    page.wait_for_load_state("networkidle")
    result = Visit(charts_ms=float(charts_ms))
    for request in log.take():
        cached = bool(request.get("cached"))
        transferred = 0 if cached else request["bytes"]
        result.all_bytes += transferred
        if request.get("type") != "Script":
            continue
        result.js_bytes += transferred
        result.js_cached += cached
        result.js_network += not cached
        headers = request.get("headers", {})
        name = request["url"].rsplit("/", 1)[-1]
        where = "cache" if cached else headers.get("content-encoding", "identity")
        result.scripts.append(f"{name}  {where}  {transferred:,} B  {headers.get('cache-control', '-')}")
    return result


def measure(base: str, pages: dict[str, str], *, mbps: float, rtt_ms: float) -> dict[str, list[Visit]]:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside Django
    from playwright.sync_api import sync_playwright

    results: dict[str, list[Visit]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for name, path in pages.items():
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                if mbps:
                    cdp.send("Network.emulateNetworkConditions", {
                        "offline": False, "latency": rtt_ms,
                        "downloadThroughput": mbps * 1_000_000 / 8, "uploadThroughput": mbps * 1_000_000 / 8,
                    })  # fmt: skip
                log = NetworkLog(cdp)
                if path.startswith("/clients/"):
                    page.goto(f"{base}/login/")
                    page.fill("#id_username", "bench-staff")
                    page.fill("#id_password", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                    log.take()  # the login page and the landing page are not the report's visit
                results[name] = [visit(page, log, f"{base}{path}") for _ in range(2)]
                context.close()
        finally:
            browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mbps", type=float, default=0, help="throttle the browser to this many Mbit/s (0: none)")
    parser.add_argument("--rtt-ms", type=float, default=0, help="with --mbps: round-trip latency to add")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away directory (printed)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-weight-"))
    env = production_environment(workdir)
    pages = prepare(env)
    port = free_port()
    server = start_gunicorn(env, port)
    try:
        results = measure(f"http://127.0.0.1:{port}", pages, mbps=args.mbps, rtt_ms=args.rtt_ms)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    network = f"throttled to {args.mbps:g} Mbit/s, {args.rtt_ms:g} ms RTT" if args.mbps else "loopback, unthrottled"
    print(f"\ngunicorn (DEBUG off, WhiteNoise, collectstatic) and Chromium; {network}")
    header = f"{'page':<16} {'visit':<7} {'JS bytes':>10} {'JS net/cache':>12} {'all bytes':>10} {'charts ms':>9}"
    print(header)
    print("-" * len(header))
    for name, visits in results.items():
        for label, result in zip(("first", "second"), visits, strict=True):
            print(f"{name:<16} {label:<7} {result.js_bytes:>10,} {f'{result.js_network}/{result.js_cached}':>12} "
                  f"{result.all_bytes:>10,} {result.charts_ms:>9.0f}")  # fmt: skip
    first = next(iter(results.values()))[0]
    print("\nscripts of the first visit (" + next(iter(results)) + "): name, content-encoding, bytes, cache-control")
    for line in first.scripts:
        print(f"  {line}")
    first_js = max(visits[0].js_bytes for visits in results.values())
    second_js = max(visits[1].js_bytes for visits in results.values())
    print(f"\ntarget: first visit <= 1,500,000 B of JS ({'met' if first_js <= 1_500_000 else 'MISSED'}: {first_js:,}), "
          f"second visit 0 B ({'met' if second_js == 0 else 'MISSED'}: {second_js:,})")  # fmt: skip


if __name__ == "__main__":
    main()
