from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs: Any) -> None:
    from kinsta_sync.accounts import account_from_environment
    from kinsta_sync.schedules import ensure_schedules

    # Deploys run migrate: the environment's account and the schedules are in place right after it.
    account_from_environment()
    ensure_schedules()


class KinstaSyncConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kinsta_sync"
    verbose_name = _("Kinsta mirror")

    def ready(self) -> None:
        from kinsta_sync import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_after_migrate, sender=self)
