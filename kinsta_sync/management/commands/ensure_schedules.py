from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kinsta_sync.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules declared in kinsta_sync.schedules (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        changes = ensure_schedules()
        for line in changes or ["schedules are up to date"]:
            self.stdout.write(line)
