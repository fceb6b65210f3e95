"""The plan per Kinsta account and the clients' quotas, in the admin."""

from django.contrib import admin

from dashboard.usage.models import ClientQuota, Plan, UsageAlert


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("account", "name", "monthly_price", "currency", "included_visits", "included_cdn_gb", "billing_day")
    list_select_related = ("account",)


@admin.register(ClientQuota)
class ClientQuotaAdmin(admin.ModelAdmin):
    list_display = ("client", "visits", "cdn_gb", "disk_gb")
    list_select_related = ("client",)


@admin.register(UsageAlert)
class UsageAlertAdmin(admin.ModelAdmin):
    """Read-only: the alerts are written by the schedule (dashboard.usage.alerts) and sent once."""

    list_display = (
        "month_start",
        "account",
        "scope_key",
        "client",
        "metric",
        "threshold",
        "sent_at",
        "attempts",
        "slack_sent_at",
    )
    list_filter = ("month_start", "metric", "threshold")
    list_select_related = ("account", "client")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
