"""``python manage.py site_action ACTION --site SITE [--environment live] [--no-wait]``; the updates
``update-plugin`` / ``update-theme`` take ``--name NAME [--version V]``.

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

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):  # type: ignore[no-untyped-def]
        # --version is the version to install, not Django's own --version (which it replaces here).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=Action.values)
        parser.add_argument("--site", required=True, help="a Kinsta site id or site name")
        parser.add_argument("--environment", default="live", help="the environment's name (default: live)")
        parser.add_argument("--name", default="", help="update-plugin/update-theme: the plugin's or theme's slug")
        parser.add_argument(
            "--version",
            dest="item_version",
            default="",
            help="update-plugin/update-theme: the version to install (default: the available update)",
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="start the operation and leave following it to the workers"
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            site = services.find_site(options["site"])
            environment = services.find_environment(site, options["environment"])
            action_run = services.request_action(
                site=site,
                environment=environment,
                action=options["action"],
                source=ActionRun.Source.CLI,
                item_name=options["name"],
                item_version=options["item_version"],
            )
        except services.Refused as exc:
            raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from exc
        item = f" {action_run.item_name} to {action_run.item_version}" if action_run.item_name else ""
        self.stdout.write(f"{action_run.action}{item} on {site.name} ({environment.name}): run {action_run.pk}")
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
