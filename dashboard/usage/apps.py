from django.apps import AppConfig


class UsageConfig(AppConfig):
    """Plan usage per client: allocation, month-end forecasts and alerts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.usage"
    label = "usage"
    verbose_name = "Usage"
