from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs: Any) -> None:
    from dashboard.delivery.schedules import ensure_schedules

    # Deploys run migrate: the report delivery schedule is in place right after it.
    ensure_schedules()


class DeliveryConfig(AppConfig):
    """Report schedules, sends and their archive, the report e-mail, share links."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.delivery"
    label = "delivery"
    verbose_name = _("Report delivery")

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, sender=self)
