"""The mirror in the admin: accounts are editable (the key is write-only), mirrored data is read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext
from django_q.tasks import async_task

from kinsta_sync.models import (
    ActivityLogEntry,
    AnalyticsPoint,
    Backup,
    CompanyUser,
    Environment,
    InstalledItem,
    KinstaAccount,
    Region,
    Site,
    SyncRun,
    UpdateEvent,
)


class KinstaAccountForm(forms.ModelForm):
    # Write-only: the stored key is never sent back to the browser, not even masked in the input.
    api_key = forms.CharField(
        label=gettext_lazy("API key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "Paste a key from MyKinsta (Company settings → API Keys). Leave empty to keep the stored key."
        ),
    )

    class Meta:
        model = KinstaAccount
        fields = [
            "name",
            "company_id",
            "is_active",
            "traffic_response_codes",
            "traffic_countries",
            "traffic_referrers",
            "traffic_devices",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("api_key"):
            self.add_error("api_key", gettext("A new account needs an API key."))
        return cleaned

    def save(self, commit: bool = True) -> KinstaAccount:
        account = super().save(commit=False)
        if self.cleaned_data.get("api_key"):
            account.set_api_key(self.cleaned_data["api_key"])
        if commit:
            account.save()
        return account


class ReadOnlyAdmin(admin.ModelAdmin):
    """Mirrored rows come from Kinsta; editing them here would be overwritten by the next sync."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description=gettext_lazy("Sync now"), permissions=["sync"])
def sync_now(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[KinstaAccount]) -> None:
    for account in queryset:
        async_task(
            "kinsta_sync.tasks.sync_account",
            account.pk,
            "all",
            SyncRun.Trigger.ADMIN,
            task_name=f"kinsta-sync-{account.pk}-admin",
        )
    count = queryset.count()
    modeladmin.message_user(
        request,
        ngettext(
            "Queued a sync of %(count)d account. Progress shows under Sync runs.",
            "Queued a sync of %(count)d accounts. Progress shows under Sync runs.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(KinstaAccount)
class KinstaAccountAdmin(admin.ModelAdmin):
    form = KinstaAccountForm
    list_display = ["name", "company_id", "masked_api_key", "api_key_status", "api_key_expires_at", "is_active"]
    readonly_fields = ["masked_api_key", "api_key_name", "api_key_status", "api_key_expires_at", "sync_lease_until"]
    actions = [sync_now]

    def has_sync_permission(self, request: HttpRequest) -> bool:
        # The same permission as the sync page's "Sync now" (clients.access.PERM_START_SYNC).
        return request.user.has_perm("kinsta_sync.sync_kinstaaccount")

    @admin.display(description=gettext_lazy("API key"))
    def masked_api_key(self, obj: KinstaAccount) -> str:
        return obj.masked_api_key


class EnvironmentInline(admin.TabularInline):
    model = Environment
    fields = ["display_name", "name", "primary_domain", "php_version", "wordpress_version", "removed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "name", "account", "label_list", "status", "removed_at"]
    list_filter = ["account", ("removed_at", admin.EmptyFieldListFilter), "labels"]
    search_fields = ["display_name", "name", "kinsta_id", "labels__name", "environments__primary_domain"]
    inlines = [EnvironmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        return super().get_queryset(request).select_related("account").prefetch_related("labels")

    @admin.display(description=gettext_lazy("Labels"))
    def label_list(self, obj: Site) -> str:
        # Label names come from Kinsta: format_html_join escapes them.
        return format_html_join(", ", "{}", ((label.name,) for label in obj.labels.all()))


@admin.register(Environment)
class EnvironmentAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "name",
        "primary_domain",
        "php_version",
        "wordpress_version",
        "analytics_synced_through",
        "removed_at",
    ]
    list_filter = ["is_live", ("removed_at", admin.EmptyFieldListFilter), "php_version"]
    search_fields = ["site__display_name", "primary_domain", "kinsta_id"]
    list_select_related = ["site"]


@admin.register(AnalyticsPoint)
class AnalyticsPointAdmin(ReadOnlyAdmin):
    list_display = ["environment", "metric", "day", "value"]
    list_filter = ["metric", "day"]
    search_fields = ["environment__site__display_name", "environment__kinsta_id"]
    list_select_related = ["environment__site"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(CompanyUser)
class CompanyUserAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "email", "account", "removed_at"]
    search_fields = ["full_name", "email"]


@admin.register(ActivityLogEntry)
class ActivityLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "type", "site", "initiated_by_name", "has_failed", "short_description"]
    list_filter = ["has_failed", "type"]
    search_fields = ["description", "type", "initiated_by_name", "site__display_name"]
    list_select_related = ["site"]
    date_hierarchy = "occurred_at"

    @admin.display(description=gettext_lazy("Description"))
    def short_description(self, obj: ActivityLogEntry) -> str:
        return obj.description[:120]


@admin.register(InstalledItem)
class InstalledItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "environment", "version", "update_version", "is_version_vulnerable", "removed_at"]
    list_filter = ["kind", "is_version_vulnerable"]
    search_fields = ["name", "title", "environment__site__display_name"]
    list_select_related = ["environment__site"]
    show_full_result_count = False


@admin.register(UpdateEvent)
class UpdateEventAdmin(ReadOnlyAdmin):
    list_display = ["happened_at", "name", "from_version", "to_version", "environment", "updated_by", "observed"]
    search_fields = ["name", "title", "environment__site__display_name"]
    list_select_related = ["environment__site"]
    date_hierarchy = "happened_at"


@admin.register(Backup)
class BackupAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "environment", "type", "note"]
    list_filter = ["type"]
    search_fields = ["environment__site__display_name", "note"]
    list_select_related = ["environment__site"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "account"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "account",
        "trigger",
        "status",
        "progress",
        "requests",
        "throttled",
        "retries",
        "error_count",
    ]
    list_filter = ["status", "trigger", "account"]
    readonly_fields = [
        "account",
        "trigger",
        "step_list",
        "started_at",
        "finished_at",
        "status",
        "counts_table",
        "requests",
        "throttled",
        "retries",
        "progress",
        "error_list",
    ]
    exclude = ["steps", "counts", "errors", "current_step", "progress_done", "progress_total"]

    @admin.display(description=gettext_lazy("Steps"))
    def step_list(self, obj: SyncRun) -> str:
        return ", ".join(obj.steps)

    @admin.display(description=gettext_lazy("Progress"))
    def progress(self, obj: SyncRun) -> str:
        if obj.status != SyncRun.Status.RUNNING:
            return "—"
        if obj.progress_total:
            return f"{obj.current_step}: {obj.progress_done}/{obj.progress_total}"
        return obj.current_step

    @admin.display(description=gettext_lazy("Errors"))
    def error_count(self, obj: SyncRun) -> int:
        return len(obj.errors)

    @admin.display(description=gettext_lazy("Counts"))
    def counts_table(self, obj: SyncRun) -> str:
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (name, c.get("created", 0), c.get("updated", 0), c.get("unchanged", 0), c.get("removed", 0))
                for name, c in obj.counts.items()
            ),
        )
        return format_html(
            "<table><tr><th></th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            pgettext("sync count", "created"),
            pgettext("sync count", "updated"),
            pgettext("sync count", "unchanged"),
            pgettext("sync count", "removed"),
            rows,
        )

    @admin.display(description=gettext_lazy("Errors"))
    def error_list(self, obj: SyncRun) -> str:
        if not obj.errors:
            return gettext("none")
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li><strong>{}</strong> {} {}<br>{}</li>",
                (
                    (e.get("step", ""), e.get("endpoint", ""), e.get("item", ""), e.get("message", ""))
                    for e in obj.errors
                ),
            ),
        )
