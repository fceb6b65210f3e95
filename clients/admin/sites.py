"""The site list with a client column, its filters and the bulk assign / remove actions, and the list of
unmapped sites with what the rules would do for each."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

from clients import assignment, mapping, selectors
from clients.admin.common import can_assign, current_plan
from clients.forms import AssignToClientForm
from clients.models import Client, SiteAssignment, UnmappedSite
from kinsta_sync.admin import SiteAdmin
from kinsta_sync.models import Site


class MappedFilter(admin.SimpleListFilter):
    title = gettext_lazy("client mapping")
    parameter_name = "mapped"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("yes", gettext("Mapped")),
            ("no", gettext("Unmapped")),
            ("manual", gettext("Mapped by hand")),
            ("rule", gettext("Mapped by a rule")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        value = self.value()
        if value == "yes":
            return queryset.filter(assignment__isnull=False)
        if value == "no":
            return queryset.filter(assignment__isnull=True)
        if value in (SiteAssignment.Source.MANUAL, SiteAssignment.Source.RULE):
            return queryset.filter(assignment__source=value)
        return queryset


class RemovedFilter(admin.SimpleListFilter):
    title = gettext_lazy("on Kinsta")
    parameter_name = "removed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", gettext("Present")), ("yes", gettext("Removed from Kinsta"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        if self.value() == "yes":
            return queryset.filter(removed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=True)
        return queryset


class EnvironmentFilter(admin.SimpleListFilter):
    title = gettext_lazy("environments")
    parameter_name = "environments"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("staging", gettext("With a staging environment")), ("live-only", gettext("Live only"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        staging = Q(environments__is_live=False, environments__removed_at__isnull=True)
        if self.value() == "staging":
            return queryset.filter(pk__in=Site.objects.filter(staging).values("pk"))
        if self.value() == "live-only":
            return queryset.exclude(pk__in=Site.objects.filter(staging).values("pk"))
        return queryset


class ClientFilter(admin.SimpleListFilter):
    title = gettext_lazy("client")
    parameter_name = "client"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(pk), name) for pk, name in Client.objects.values_list("pk", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        if self.value():
            return queryset.filter(assignment__client_id=self.value())
        return queryset


@admin.action(description=gettext_lazy("Assign to client…"), permissions=["assign"])
def assign_to_client(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Site]) -> Any:
    """An intermediate page (like Django's delete confirmation): pick the client, then assign."""
    form = AssignToClientForm(request.POST if "post" in request.POST else None)
    if "post" in request.POST and form.is_valid():
        client = form.cleaned_data["client"]
        count = assignment.assign_sites(sites=list(queryset), client=client, assigned_by=request.user)
        modeladmin.message_user(
            request,
            format_html(
                ngettext("Assigned {count} site to {client}.", "Assigned {count} sites to {client}.", count),
                count=count,
                client=client.name,
            ),
            messages.SUCCESS,
        )
        return None  # back to the list
    sites = list(queryset.select_related("assignment__client").order_by("display_name"))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Assign sites to a client"),
        "opts": modeladmin.model._meta,
        "form": form,
        "sites": sites,
        "moving": [site for site in sites if hasattr(site, "assignment")],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": "assign_to_client",
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/clients/assign_to_client.html", context)


@admin.action(description=gettext_lazy("Remove from client"), permissions=["assign"])
def remove_from_client(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Site]) -> None:
    count = assignment.unassign_sites(sites=list(queryset))
    modeladmin.message_user(
        request,
        ngettext("Removed %(count)d site from its client.", "Removed %(count)d sites from their clients.", count)
        % {"count": count},
        messages.SUCCESS,
    )


admin.site.unregister(Site)


@admin.register(Site)
class ClientSiteAdmin(SiteAdmin):
    """kinsta_sync's site admin plus the client: the mirror app never imports clients."""

    list_display = ["site_column", "client_link", "label_list", "domain_list", "status", "removed_at"]
    list_display_links = ["site_column"]
    list_filter = [MappedFilter, ClientFilter, RemovedFilter, "labels", EnvironmentFilter, "account"]
    search_fields = [*SiteAdmin.search_fields, "environments__domains"]
    actions = [assign_to_client, remove_from_client]
    list_per_page = 100

    class Media:
        css = {"all": ["css/admin-clients.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        return super().get_queryset(request).select_related("assignment__client").prefetch_related("environments")

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return can_assign(request)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Site], search_term: str) -> Any:
        # The site picker on a client's page offers only sites nobody has (moving one is the bulk action's job).
        if request.GET.get("app_label") == "clients" and request.GET.get("model_name") == "siteassignment":
            queryset = queryset.filter(assignment__isnull=True)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=gettext_lazy("Site"), ordering="display_name")
    def site_column(self, obj: Site) -> str:
        # The display name and Kinsta's own name in one cell: the list stays readable beside two sidebars.
        return format_html("{}<br><small>{}</small>", obj.display_name, obj.name)

    @admin.display(description=gettext_lazy("Client"), ordering="assignment__client__name")
    def client_link(self, obj: Site) -> str:
        assignment = getattr(obj, "assignment", None)
        if assignment is None:
            return format_html('<span class="unmapped">{}</span>', gettext("unmapped"))
        url = reverse("admin:clients_client_change", args=[assignment.client_id])
        how = gettext("by hand") if assignment.source == SiteAssignment.Source.MANUAL else gettext("by rule")
        return format_html('<a href="{}">{}</a> <small>({})</small>', url, assignment.client.name, how)

    @admin.display(description=gettext_lazy("Domains"))
    def domain_list(self, obj: Site) -> str:
        domains: list[str] = []
        for env in obj.environments.all():
            if env.is_live and env.removed_at is None:
                domains += [d for d in env.domains if isinstance(d, str) and not d.endswith(".kinsta.cloud")]
        # The separator is ours; the domains (from Kinsta) are escaped by format_html_join.
        return format_html_join(mark_safe("<br>"), "{}", ((d,) for d in domains[:3])) if domains else "—"


class SuggestionMixin:
    """A column with what the mapping rules would do for each unmapped site (from one plan per page)."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        plan = mapping.preview_mapping_rules()
        token = current_plan.set(plan)
        try:
            extra_context = {
                **(extra_context or {}),
                "plan": plan,
                "unmapped_total": selectors.unmapped_sites().count(),
                "removed_unmapped": Site.objects.filter(assignment__isnull=True, removed_at__isnull=False).count(),
            }
            response = super().changelist_view(request, extra_context)  # type: ignore[misc]
            if hasattr(response, "render"):
                response.render()  # render while the plan is set
            return response
        finally:
            current_plan.reset(token)

    @admin.display(description=gettext_lazy("Rules would…"))
    def suggestion(self, obj: Site) -> str:
        plan = current_plan.get()
        entry = plan.by_site().get(obj.pk) if plan is not None else None
        if isinstance(entry, mapping.Conflict):
            names = sorted({rule.client.name for rule in entry.losers})
            return format_html(
                '<span class="conflict">{}</span>',
                format_html(
                    gettext("conflict: {clients}"), clients=format_html_join(" / ", "{}", ((n,) for n in names))
                ),
            )
        if isinstance(entry, mapping.PlannedAssignment):
            return format_html(
                gettext("assign to {client} <small>({pattern})</small>"),
                client=entry.client.name,
                pattern=entry.rule.pattern,
            )
        return "—"


@admin.register(UnmappedSite)
class UnmappedSiteAdmin(SuggestionMixin, ClientSiteAdmin):
    """The list the agency works down to zero: present sites without a client."""

    list_display = ["site_column", "label_list", "domain_list", "suggestion"]
    list_filter = ["labels", EnvironmentFilter, "account"]
    actions = [assign_to_client]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        return super().get_queryset(request).filter(assignment__isnull=True, removed_at__isnull=True)
