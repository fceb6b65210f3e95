"""`python manage.py fake_kinsta`: serve the fake Kinsta API in the foreground (demo, browser tests).

The server itself (kinsta_sync/fake/) is Django-free; this command only parses options and prints
where the fake listens. Script it from another process through the control API under /__fake__/.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from kinsta_sync.fake.faults import KINDS
from kinsta_sync.fake.server import serve


def parse_fault(text: str) -> dict[str, Any]:
    """KIND[:PATH[:TIMES[:SECONDS]]] -> FaultPlan.add() arguments; an empty PATH means any path.

    Examples: "500:/analytics/:3", "429::-1:5" (every request, Retry-After 5), "slow:/sites:1:2.5".
    """
    kind, path, times, seconds = [*text.split(":", 3), "", "", ""][:4]
    if kind not in KINDS:
        raise CommandError(f"unknown fault kind {kind!r}; expected one of {', '.join(sorted(KINDS))}")
    try:
        return {
            "kind": kind,
            "path": path or None,
            "times": int(times) if times else 1,
            "seconds": float(seconds) if seconds else 0.0,
        }
    except ValueError as exc:
        raise CommandError(f"TIMES must be an integer and SECONDS a number in {text!r}") from exc


class Command(BaseCommand):
    help = "Serve the fake Kinsta API (deterministic agency data, rate limits, scripted faults)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--sites", type=int, default=60)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--users", type=int, default=8)
        parser.add_argument("--staging-share", type=float, default=0.3)
        parser.add_argument("--no-hostile", action="store_true", help="leave out hostile-but-legal strings")
        parser.add_argument(
            "--hostile-everywhere", action="store_true", help="make every name, label, description and error hostile"
        )
        parser.add_argument("--api-key", default="fake-kinsta-key")
        parser.add_argument("--requests-per-minute", type=int, default=120)
        parser.add_argument("--logs-per-minute", type=int, default=35)
        parser.add_argument("--rate-limit-headers", choices=["ietf", "x", "none"], default="ietf")
        parser.add_argument("--analytics-status", type=int, choices=[200, 202], default=202)
        parser.add_argument("--bucket-format", choices=["naive", "z"], default="naive")
        parser.add_argument(
            "--operation-unknown-seconds", type=float, default=3.0, help="an operation's 404 phase (REFERENCE §6)"
        )
        parser.add_argument("--operation-running-seconds", type=float, default=2.0, help="its 202 phase")
        parser.add_argument(
            "--fault", action="append", default=[], metavar="KIND[:PATH[:TIMES[:SECONDS]]]",
            help="inject a fault at start-up, e.g. 500:/analytics/:3 or 429::-1:5 (repeatable); "
            f"kinds: {', '.join(sorted(KINDS))}",
        )  # fmt: skip
        parser.add_argument("--verbose-http", action="store_true", help="log every request")

    def handle(self, *args: Any, **options: Any) -> None:
        faults = [parse_fault(text) for text in options["fault"]]
        spec = AgencySpec(
            seed=options["seed"],
            sites=options["sites"],
            days=options["days"],
            users=options["users"],
            staging_share=options["staging_share"],
            hostile=not options["no_hostile"],
            hostile_everywhere=options["hostile_everywhere"],
        )
        app = FakeKinsta(
            FakeAgency.generate(spec),
            api_key=options["api_key"],
            requests_per_minute=options["requests_per_minute"],
            logs_per_minute=options["logs_per_minute"],
            rate_limit_headers=options["rate_limit_headers"],
            analytics_status=options["analytics_status"],
            bucket_format=options["bucket_format"],
            operation_unknown_seconds=options["operation_unknown_seconds"],
            operation_running_seconds=options["operation_running_seconds"],
        )
        for fault in faults:
            try:
                app.faults.add(fault.pop("kind"), **fault)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        server = serve(app, host=options["host"], port=options["port"], verbose=options["verbose_http"])
        self.stdout.write(
            f"Fake Kinsta API on {server.url}\n"
            f"  company id: {app.agency.company_id}\n"
            f"  API key:    {options['api_key']}\n"
            f"  {len(app.agency.sites)} sites, {spec.days} days of analytics up to {app.agency.today}\n"
            f"  control:    {server.url}/__fake__/stats (faults, remove-site, revoke-key)\n"
            "Press Ctrl-C to stop."
        )
        self.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
