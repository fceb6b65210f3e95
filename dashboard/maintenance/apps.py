from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    """Plugins, themes, updates, vulnerabilities, backups and the agency's notes."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.maintenance"
    label = "maintenance"
    verbose_name = "Maintenance"
