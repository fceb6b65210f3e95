"""The agency's branding: one row for the installation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from clients.admin.common import LogoInput
from clients.logos import LogoField
from clients.models import AgencyBranding


@admin.register(AgencyBranding)
class AgencyBrandingAdmin(admin.ModelAdmin):
    """One row for the installation: the list goes straight to it."""

    fields = ["name", "logo", "brand_color", "sender_name", "reply_to"]
    formfield_overrides = {LogoField: {"widget": LogoInput}}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "brand_color":
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        branding = AgencyBranding.get()
        return HttpResponseRedirect(reverse("admin:clients_agencybranding_change", args=[branding.pk]))
