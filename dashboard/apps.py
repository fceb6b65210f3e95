from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(**kwargs: Any) -> None:
    from dashboard.schedules import ensure_schedules

    # Deploys run migrate: the report delivery schedule is in place right after it.
    ensure_schedules()


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = "Reports"

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, sender=self)
