from django.apps import AppConfig


class TrafficConfig(AppConfig):
    """Traffic quality: response codes, countries, referrers and devices."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.traffic"
    label = "traffic"
    verbose_name = "Traffic"
