from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs: Any) -> None:
    from dashboard.usage.schedules import ensure_schedules

    # Deploys run migrate: the usage alerts' schedule is in place right after it.
    ensure_schedules()


class UsageConfig(AppConfig):
    """The plan per Kinsta account, client quotas, usage allocation per client, month-end forecasts, alerts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.usage"
    label = "usage"
    verbose_name = _("Plan usage")

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, sender=self)
        from dashboard.usage import section

        # The client's own quota usage on its report (dashboard.reports.sections; reports never imports us).
        section.register()
