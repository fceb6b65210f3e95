"""`python manage.py apply_mapping_rules [--dry-run]`: assign unmapped sites by the mapping rules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clients.mapping import apply_mapping_rules


class Command(BaseCommand):
    help = "Assign unmapped sites to clients by the active mapping rules; prints every assignment and conflict."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only show what would be assigned")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = apply_mapping_rules(dry_run=options["dry_run"])
        for line in plan.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(plan.summary()))
