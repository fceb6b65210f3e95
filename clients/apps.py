from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        # Rules run after every sync. The mirror only sends the signal; it never imports this app.
        from clients.mapping import apply_rules_after_sync
        from kinsta_sync.signals import sync_finished

        sync_finished.connect(apply_rules_after_sync, dispatch_uid="clients-apply-mapping-rules")
