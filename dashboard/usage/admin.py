"""The plan per Kinsta account and the clients' quotas, in the admin."""

from django.contrib import admin

from dashboard.usage.models import ClientQuota, Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("account", "name", "monthly_price", "included_visits", "included_cdn_gb", "billing_day")
    list_select_related = ("account",)


@admin.register(ClientQuota)
class ClientQuotaAdmin(admin.ModelAdmin):
    list_display = ("client", "visits", "cdn_gb", "disk_gb")
    list_select_related = ("client",)
