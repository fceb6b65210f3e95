"""`python manage.py kinsta_sync [--account COMPANY_ID] [--full] [--steps all|hourly|daily]`

Runs one sync in the foreground with progress on the terminal and a summary at the end.
Exit codes: 0 every step succeeded; 1 some steps failed (recorded on the run); 2 nothing could be
synced (bad key, API unreachable, another sync holds the lease, no account).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kinsta_sync.accounts import account_from_environment
from kinsta_sync.models import KinstaAccount, SyncRun
from kinsta_sync.sync import STEP_SETS, exit_code, run_sync


class Command(BaseCommand):
    help = "Sync Kinsta sites, environments, analytics, plugins, themes, backups, users and activity into the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", metavar="COMPANY_ID", help="Sync only this company (default: all active).")
        parser.add_argument("--full", action="store_true", help="Refetch the whole analytics backfill window.")
        parser.add_argument("--steps", choices=sorted(STEP_SETS), default="all", help="Which steps to run.")

    def handle(self, *args: Any, **options: Any) -> None:
        account_from_environment()
        accounts = KinstaAccount.objects.filter(is_active=True)
        if options["account"]:
            accounts = accounts.filter(company_id=options["account"])
        accounts = list(accounts)
        if not accounts:
            self.stderr.write(
                "No Kinsta account to sync. Add one in the admin, or set KINSTA_API_KEY and KINSTA_COMPANY_ID."
            )
            sys.exit(2)
        runs = []
        for account in accounts:
            self.stdout.write(f"Syncing {account.name} ({account.company_id})…")
            run = run_sync(
                account=account,
                trigger=SyncRun.Trigger.MANUAL,
                steps=STEP_SETS[options["steps"]],
                full=options["full"],
                progress=self._progress,
            )
            self._summary(run)
            runs.append(run)
        code = exit_code(runs)
        if code:
            sys.exit(code)

    def _progress(self, run: SyncRun) -> None:
        if run.status != SyncRun.Status.RUNNING:
            return
        detail = (
            f" {run.progress_done}/{run.progress_total}"
            if run.current_step in ("analytics", "wordpress") and run.progress_total
            else ""
        )
        line = f"  {run.current_step}{detail} · {run.requests} requests · {len(run.errors)} errors"
        if self.stdout.isatty():
            self.stdout.write(f"\r{line:<78}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)

    def _summary(self, run: SyncRun) -> None:
        if self.stdout.isatty():
            self.stdout.write("")
        style = {
            SyncRun.Status.SUCCESS: self.style.SUCCESS,
            SyncRun.Status.PARTIAL: self.style.WARNING,
        }.get(run.status, self.style.ERROR)
        duration = f"{run.duration_seconds:.1f} s" if run.duration_seconds is not None else "?"
        self.stdout.write(style(f"  {run.get_status_display()} in {duration}"))
        self.stdout.write(f"  requests {run.requests} · 429s {run.throttled} · retries {run.retries}")
        for name, c in run.counts.items():
            self.stdout.write(
                f"  {name:<13} created {c['created']:>6} · updated {c['updated']:>6} · "
                f"unchanged {c['unchanged']:>6} · removed {c['removed']:>4}"
            )
        for error in run.errors[:20]:
            where = " ".join(x for x in (error.get("endpoint"), error.get("item")) if x)
            # A warning (a string stored cut to its cap) did not fail its step.
            mark, style = ("!", self.style.WARNING) if error.get("level") == "warning" else ("✗", self.style.ERROR)
            self.stdout.write(style(f"  {mark} {error['step']}: {where} {error['message']}"))
        if len(run.errors) > 20:
            self.stdout.write(self.style.ERROR(f"  … and {len(run.errors) - 20} more errors (see the admin)"))
