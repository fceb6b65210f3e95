from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs: Any) -> None:
    from dashboard.actions.schedules import ensure_schedules

    # Deploys run migrate: the task that resumes abandoned runs is in place right after it.
    ensure_schedules()


class ActionsConfig(AppConfig):
    """Site actions (clear caches, restart PHP, manual backups) run through Kinsta's operations."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.actions"
    label = "actions"
    verbose_name = _("Site actions")

    def ready(self) -> None:
        from dashboard.actions.sections import register_sections

        post_migrate.connect(_after_migrate, sender=self)
        register_sections()
