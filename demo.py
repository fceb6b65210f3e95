#!/usr/bin/env python3
"""Start the demo on a fresh clone: `python3 demo.py`.

Needs only python3 (3.11+). Creates `.venv`, installs the requirements, migrates a SQLite database
(`demo.sqlite3`), starts the fake Kinsta with a realistic agency, syncs it with progress on the terminal,
creates an admin login and a client login (both printed at the end), then serves the app on
http://127.0.0.1:8000 with the scheduled work (django-q2 on the ORM broker) running beside it. Ctrl-C stops
everything.

Options: --port 8000, --fake-port 8765, --sites 60, --days 120, --seed 7, --fresh (start from an empty database).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from runtests import PY, ROOT, ensure_venv

FAKE_KEY = "demo-kinsta-key"  # the fake's key: it guards nothing real
# The logins demo_setup creates (clients/management/commands/demo_setup.py; a test keeps the two in step).
ADMIN_LOGIN = "admin"
CLIENT_LOGIN = "client@example.com"
CLIENT_NAME = "Acme Corp"


def final_box(*, port: int, password: str, sites: int, fake_url: str) -> str:
    """What the terminal shows last, once the app answers: where it runs and both logins."""
    return (
        "\n"
        f"  Agency Reports for Kinsta is running: http://127.0.0.1:{port}/\n"
        f"  Agency (staff) login:  {ADMIN_LOGIN}  with the password  {password}\n"
        f"  Client login:          {CLIENT_LOGIN}  with the same password (sees only {CLIENT_NAME})\n"
        f"  The fake Kinsta serves {sites} sites at {fake_url} (key {FAKE_KEY}).\n"
        "  Ctrl-C stops everything.\n"
    )


def wait_for(url: str, *, headers: dict[str, str] | None = None, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback only)
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer within {seconds:.0f} s") from None
            time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--fake-port", type=int, default=8765)
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="delete demo.sqlite3 first")
    args = parser.parse_args()

    ensure_venv("requirements.txt")
    # A SIGTERM (a process manager, `timeout`) stops the children like Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    database = ROOT / "demo.sqlite3"
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)

    fake_url = f"http://127.0.0.1:{args.fake_port}"
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{database}",
            "KINSTA_API_URL": fake_url,
            "KINSTA_API_KEY": FAKE_KEY,
            "KINSTA_COMPANY_NAME": "Demo Agency (fake Kinsta)",
            # 90+ days of history for the reports; the fake allows a higher rate than Kinsta's 120/min so
            # the first sync takes seconds, not minutes. Never raise this against the real API.
            "KINSTA_BACKFILL_DAYS": "90",
            "KINSTA_REQUESTS_PER_MINUTE": "3000",
        }
    )
    children: list[subprocess.Popen] = []

    def manage(*command: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=check)

    def start(*command: str) -> subprocess.Popen:
        # Each child leads its own process group, so stopping it also stops what it started (qcluster's workers).
        child = subprocess.Popen([PY, "manage.py", *command], cwd=ROOT, env=env, start_new_session=True)
        children.append(child)
        return child

    try:
        print(f"== Starting the fake Kinsta on {fake_url} ({args.sites} sites, {args.days} days)", flush=True)
        start(
            "fake_kinsta", "--port", str(args.fake_port), "--sites", str(args.sites), "--days", str(args.days),
            "--seed", str(args.seed), "--api-key", FAKE_KEY, "--requests-per-minute", "3600",
        )  # fmt: skip
        # Like a real agency: the company id comes with the key (GET /validate).
        validation = wait_for(f"{fake_url}/validate", headers={"Authorization": f"Bearer {FAKE_KEY}"})
        env["KINSTA_COMPANY_ID"] = validation["company"]

        print("== Migrating the database", flush=True)
        manage("migrate", "--no-input", "-v", "0")

        print("== Syncing the fake Kinsta", flush=True)
        sync = manage("kinsta_sync", check=False)
        if sync.returncode == 2:
            print("!! The sync failed; see the messages above.", flush=True)
            return 2

        password = secrets.token_urlsafe(12)
        # Its output (the client login among it) scrolls away under the server's log: final_box repeats it.
        manage("demo_setup", "--username", ADMIN_LOGIN, "--password", password)
        # A plan the fake agency outgrows in visits, so the usage page shows costs and an overage forecast.
        manage(
            "kinsta_plan", "--name", "Agency (demo)", "--visits", "4000000", "--cdn-gb", "12000", "--disk-gb", "1000",
            "--monthly-price", "1650",
        )  # fmt: skip
        print("== Starting the background worker (django-q2) and the web server", flush=True)
        start("qcluster")
        web = start("runserver", "--noreload", f"127.0.0.1:{args.port}")
        wait_for(f"http://127.0.0.1:{args.port}/healthz")
        print(final_box(port=args.port, password=password, sites=args.sites, fake_url=fake_url), flush=True)
        web.wait()
        return web.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        for child in reversed(children):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGINT)
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
