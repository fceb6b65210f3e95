from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    """Plugins, themes, updates, vulnerabilities and backups on the report (a section and an overview column)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.maintenance"
    label = "maintenance"
    verbose_name = _("Maintenance")

    def ready(self) -> None:
        from dashboard.maintenance.sections import register_all

        register_all()
