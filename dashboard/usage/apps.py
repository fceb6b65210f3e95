from django.apps import AppConfig


class UsageConfig(AppConfig):
    """The plan per Kinsta account, client quotas, usage allocation per client and month-end forecasts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.usage"
    label = "usage"
    verbose_name = "Plan usage"
