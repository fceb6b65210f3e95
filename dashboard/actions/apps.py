from django.apps import AppConfig


class ActionsConfig(AppConfig):
    """Site actions, their runs through Kinsta's operations, nightly tasks and the Slack command."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.actions"
    label = "actions"
    verbose_name = "Actions"
