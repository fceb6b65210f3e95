from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """The report as CSV and as a white-label PDF."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.exports"
    label = "exports"
    verbose_name = _("Exports")
