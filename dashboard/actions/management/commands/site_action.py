"""``python manage.py site_action ACTION --site SITE [--environment live] [--no-wait]``.

Exit status: 0 done (or, with --no-wait, started), 1 failed, 2 refused (unknown site, bad input, no key);
an unknown ACTION or a missing --site is argparse's usage error, exit status 2 as well.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.actions import services
from dashboard.actions.models import Action, ActionRun

EXIT_FAILED = 1
EXIT_REFUSED = 2


class Command(BaseCommand):
    help = "Run a site action on Kinsta and follow its operation to the end."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=Action.values)
        parser.add_argument("--site", required=True, help="a Kinsta site id or site name")
        parser.add_argument("--environment", default="live", help="the environment's name (default: live)")
        parser.add_argument(
            "--no-wait", action="store_true", help="start the operation and leave following it to the workers"
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            site = services.find_site(options["site"])
            environment = services.find_environment(site, options["environment"])
            action_run = services.request_action(
                site=site, environment=environment, action=options["action"], source=ActionRun.Source.CLI
            )
        except services.Refused as exc:
            raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from exc
        self.stdout.write(f"{action_run.action} on {site.name} ({environment.name}): run {action_run.pk}")
        action_run = services.run(action_run.pk, wait=not options["no_wait"])
        if action_run.operation_id:
            self.stdout.write(f"operation {action_run.operation_id}")
        if options["no_wait"] and action_run.state == ActionRun.State.RUNNING:
            from django_q.tasks import async_task

            async_task("dashboard.actions.tasks.follow_run", action_run.pk)
            self.stdout.write(f"started; a worker follows it (run {action_run.pk})")
            return
        if action_run.state == ActionRun.State.DONE:
            self.stdout.write(self.style.SUCCESS(f"done: {action_run.message}"))
            return
        if action_run.state == ActionRun.State.REFUSED:
            raise CommandError(f"refused: {action_run.message}", returncode=EXIT_REFUSED)
        raise CommandError(f"{action_run.state}: {action_run.message}", returncode=EXIT_FAILED)
