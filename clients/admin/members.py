"""Client users: who belongs to which client, with their e-mail and last login."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy

from clients.models import ClientMembership


@admin.register(ClientMembership)
class ClientMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "user_email", "client", "invited_at", "user_last_login"]
    list_filter = ["client"]
    search_fields = ["user__username", "user__email", "client__name"]
    list_select_related = ["user", "client"]
    autocomplete_fields = ["client"]
    raw_id_fields = ["user"]

    @admin.display(description=gettext_lazy("E-mail"), ordering="user__email")
    def user_email(self, obj: ClientMembership) -> str:
        return obj.user.email

    @admin.display(description=gettext_lazy("Last login"), ordering="user__last_login")
    def user_last_login(self, obj: ClientMembership) -> Any:
        return obj.user.last_login
