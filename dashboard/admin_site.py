"""The agency's admin: Django's admin site carrying the agency's name (AgencyBranding) instead of "Django
administration", with the internals of the libraries (django-axes' login records, django-q2's task queue)
shown to superusers only. Installed in place of "django.contrib.admin" (settings.INSTALLED_APPS), so
`admin.site` is this site and every `admin.register` lands on it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The apps whose models are the libraries' bookkeeping, not the agency's work.
INTERNAL_APPS = frozenset({"axes", "django_q"})
_PERMISSIONS = ("has_module_permission", "has_view_permission", "has_add_permission", "has_change_permission",
                "has_delete_permission")  # fmt: skip


def _superusers_only(model_admin: admin.ModelAdmin) -> None:
    """Every permission of `model_admin` also requires a superuser: hidden from the index, 403 on its pages."""
    for name in _PERMISSIONS:
        original = getattr(model_admin, name)

        def check(request: HttpRequest, *args: Any, _original: Any = original, **kwargs: Any) -> bool:
            return bool(request.user.is_superuser) and _original(request, *args, **kwargs)

        setattr(model_admin, name, check)


class AgencyAdminSite(admin.AdminSite):
    site_header = site_title = _("Agency Reports")
    index_title = _("Administration")

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        from clients.logos import agency_logo_url
        from dashboard.context_processors import current_branding

        context = super().each_context(request)
        branding = current_branding()
        context.update(
            site_header=branding.name,
            site_title=branding.name,
            agency_logo_url=agency_logo_url(branding) if request.user.is_authenticated else "",
        )
        return context

    def get_urls(self) -> list[Any]:
        # By now every app has registered its models (autodiscover ran in AgencyAdminConfig.ready()).
        for model, model_admin in self._registry.items():
            if model._meta.app_label in INTERNAL_APPS and not getattr(model_admin, "_superusers_only", False):
                _superusers_only(model_admin)
                model_admin._superusers_only = True
        return super().get_urls()


class AgencyAdminConfig(AdminConfig):
    default_site = "dashboard.admin_site.AgencyAdminSite"
