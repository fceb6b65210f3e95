"""`python manage.py import_clients FILE.csv [--dry-run]`: clients, contacts and rules from a spreadsheet."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clients.csv_import import COLUMNS, import_clients_csv


class Command(BaseCommand):
    help = (
        "Create clients, contact e-mails and mapping rules from a CSV file with the header "
        + ",".join(COLUMNS)
        + " (rule_kind: label, domain or name). Nothing is written if any row is bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a UTF-8 CSV file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and show what would change")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], "rb") as file:
                result = import_clients_csv(file=file, dry_run=options["dry_run"])
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from exc
        for line in result.lines():
            self.stdout.write(line)
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
