from django.contrib import admin

from dashboard.actions.models import ActionRun, ActionSchedule, SlackUser


@admin.register(ActionRun)
class ActionRunAdmin(admin.ModelAdmin):
    """Runs are written by the action service only; the admin shows them."""

    list_display = ("created_at", "action", "site", "environment", "source", "requested_by", "state", "finished_at")
    list_filter = ("state", "action", "source")
    search_fields = ("site__name", "site__display_name", "operation_id", "slack_user_id", "item_name")
    readonly_fields = [field.name for field in ActionRun._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(SlackUser)
class SlackUserAdmin(admin.ModelAdmin):
    list_display = ("slack_user_id", "team_id", "user", "created_at")
    search_fields = ("slack_user_id", "user__username")
    autocomplete_fields = ("user",)


@admin.register(ActionSchedule)
class ActionScheduleAdmin(admin.ModelAdmin):
    """Scheduled actions ("clear the cache nightly at 03:00"), each slot run once (dashboard.actions.scheduling)."""

    list_display = ("action", "site", "client", "environment_name", "time_of_day", "weekdays", "is_active")
    list_filter = ("action", "is_active")
    autocomplete_fields = ("client",)
    raw_id_fields = ("site",)
