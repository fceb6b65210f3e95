from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The project package. It is an app only to keep its historical migrations: report schedules, sends and
    share links were created here before they moved to `dashboard.delivery` (their tables keep their names,
    see dashboard/migrations/0002 and dashboard/delivery/migrations/0001). It has no models of its own."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("Agency Reports")
