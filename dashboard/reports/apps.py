from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The agency overview, the client report, the site page and the sync page."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.reports"
    label = "reports"
    verbose_name = _("Reports")
