"""The agency's admin for clients: clients with their sites, mapping rules with a preview, unmapped sites,
the CSV import, invitations and the agency's branding.

Data from Kinsta (site names, labels, domains) is untrusted: columns build HTML only with format_html /
format_html_join, never mark_safe. Every write goes through clients.services.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from clients import selectors, services
from clients.forms import (
    AssignToClientForm,
    ClientAdminForm,
    ImportClientsForm,
    InviteClientUserForm,
    MappingRuleForm,
)
from clients.models import (
    AgencyBranding,
    Client,
    ClientMembership,
    MappingRule,
    SiteAssignment,
    UnmappedSite,
)
from kinsta_sync.admin import SiteAdmin
from kinsta_sync.figures import scale_bytes
from kinsta_sync.models import Metric, Site

# The mapping plan of the page being rendered, so list columns can show what the rules would do without
# recomputing it per row. A ContextVar: each request thread sees its own.
_current_plan: ContextVar[services.MappingPlan | None] = ContextVar("current_plan", default=None)


# The figures of the client page being rendered (client pk -> its report figures), so the summary line and
# every site row read one computation (two queries) instead of a query per row. A ContextVar: each request
# thread sees its own; set around the client page (ClientAdmin.change_view).
_current_figures: ContextVar[dict[int, selectors.ClientFigures] | None] = ContextVar("current_figures", default=None)


def _figures(client: Client) -> selectors.ClientFigures:
    cached = _current_figures.get()
    if cached is None:
        return selectors.client_figures(client=client)
    if client.pk not in cached:
        cached[client.pk] = selectors.client_figures(client=client)
    return cached[client.pk]


def _number(value: int | None) -> str:
    return "no data" if value is None else f"{value:,}"


def _bytes(value: int | None) -> str:
    """Decimal units (1 GB = 1,000,000,000 bytes), as the report shows sizes (kinsta_sync.figures)."""
    if value is None:
        return "no data"
    size, decimals, unit = scale_bytes(value)
    return f"{size:,.{decimals}f} {unit}"


def _can_assign(request: HttpRequest) -> bool:
    return request.user.has_perms(["clients.add_siteassignment", "clients.change_siteassignment"])


# --- Sites: a client column, filters and the bulk actions -------------------------------------------------


class MappedFilter(admin.SimpleListFilter):
    title = "client mapping"
    parameter_name = "mapped"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Mapped"), ("no", "Unmapped"), ("manual", "Mapped by hand"), ("rule", "Mapped by a rule")]

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
    title = "on Kinsta"
    parameter_name = "removed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Present"), ("yes", "Removed from Kinsta")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        if self.value() == "yes":
            return queryset.filter(removed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=True)
        return queryset


class EnvironmentFilter(admin.SimpleListFilter):
    title = "environments"
    parameter_name = "environments"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("staging", "With a staging environment"), ("live-only", "Live only")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        staging = Q(environments__is_live=False, environments__removed_at__isnull=True)
        if self.value() == "staging":
            return queryset.filter(pk__in=Site.objects.filter(staging).values("pk"))
        if self.value() == "live-only":
            return queryset.exclude(pk__in=Site.objects.filter(staging).values("pk"))
        return queryset


class ClientFilter(admin.SimpleListFilter):
    title = "client"
    parameter_name = "client"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(pk), name) for pk, name in Client.objects.values_list("pk", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        if self.value():
            return queryset.filter(assignment__client_id=self.value())
        return queryset


@admin.action(description="Assign to client…", permissions=["assign"])
def assign_to_client(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Site]) -> Any:
    """An intermediate page (like Django's delete confirmation): pick the client, then assign."""
    form = AssignToClientForm(request.POST if "post" in request.POST else None)
    if "post" in request.POST and form.is_valid():
        client = form.cleaned_data["client"]
        count = services.assign_sites(sites=list(queryset), client=client, assigned_by=request.user)
        modeladmin.message_user(
            request, format_html("Assigned {} site(s) to {}.", count, client.name), messages.SUCCESS
        )
        return None  # back to the list
    sites = list(queryset.select_related("assignment__client").order_by("display_name"))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Assign sites to a client",
        "opts": modeladmin.model._meta,
        "form": form,
        "sites": sites,
        "moving": [site for site in sites if hasattr(site, "assignment")],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": "assign_to_client",
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/clients/assign_to_client.html", context)


@admin.action(description="Remove from client", permissions=["assign"])
def remove_from_client(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Site]) -> None:
    count = services.unassign_sites(sites=list(queryset))
    modeladmin.message_user(request, f"Removed {count} site(s) from their client.", messages.SUCCESS)


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
        return _can_assign(request)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Site], search_term: str) -> Any:
        # The site picker on a client's page offers only sites nobody has (moving one is the bulk action's job).
        if request.GET.get("app_label") == "clients" and request.GET.get("model_name") == "siteassignment":
            queryset = queryset.filter(assignment__isnull=True)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Site", ordering="display_name")
    def site_column(self, obj: Site) -> str:
        # The display name and Kinsta's own name in one cell: the list stays readable beside two sidebars.
        return format_html("{}<br><small>{}</small>", obj.display_name, obj.name)

    @admin.display(description="Client", ordering="assignment__client__name")
    def client_link(self, obj: Site) -> str:
        assignment = getattr(obj, "assignment", None)
        if assignment is None:
            return format_html('<span class="unmapped">{}</span>', "unmapped")
        url = reverse("admin:clients_client_change", args=[assignment.client_id])
        how = "by hand" if assignment.source == SiteAssignment.Source.MANUAL else "by rule"
        return format_html('<a href="{}">{}</a> <small>({})</small>', url, assignment.client.name, how)

    @admin.display(description="Domains")
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
        plan = services.preview_mapping_rules()
        token = _current_plan.set(plan)
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
            _current_plan.reset(token)

    @admin.display(description="Rules would…")
    def suggestion(self, obj: Site) -> str:
        plan = _current_plan.get()
        entry = plan.by_site().get(obj.pk) if plan is not None else None
        if isinstance(entry, services.Conflict):
            names = sorted({rule.client.name for rule in entry.losers})
            return format_html(
                '<span class="conflict">conflict: {}</span>', format_html_join(" / ", "{}", ((n,) for n in names))
            )
        if isinstance(entry, services.PlannedAssignment):
            return format_html("assign to {} <small>({})</small>", entry.client.name, entry.rule.pattern)
        return "—"


@admin.register(UnmappedSite)
class UnmappedSiteAdmin(SuggestionMixin, ClientSiteAdmin):
    """The list the agency works down to zero: present sites without a client."""

    list_display = ["site_column", "label_list", "domain_list", "suggestion"]
    list_filter = ["labels", EnvironmentFilter, "account"]
    actions = [assign_to_client]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        return super().get_queryset(request).filter(assignment__isnull=True, removed_at__isnull=True)


# --- Clients ---------------------------------------------------------------------------------------------


class AddSiteForm(forms.ModelForm):
    class Meta:
        model = SiteAssignment
        fields = ["site"]

    def validate_unique(self) -> None:
        # The one-to-one key: say where the site is and how to move it, not "already exists".
        site = self.cleaned_data.get("site")
        if site is not None:
            other = SiteAssignment.objects.filter(site=site).select_related("client").first()
            if other is not None:
                self.add_error(
                    "site",
                    f"This site belongs to {other.client.name}. To move it, use “Assign to client…” on the site list.",
                )
                return
        super().validate_unique()


class SiteAssignmentInline(admin.TabularInline):
    """The client's sites with the report's figures over its default period (the last 30 days in the
    client's time zone; live environments only): read-only rows, the figures read once for all of them
    (`_figures`); "Delete?" takes a site away from the client."""

    model = SiteAssignment
    fk_name = "client"
    fields = ["site_link", "site_status", "how", "visits", "bandwidth", "cdn_bandwidth", "assigned_on"]
    readonly_fields = fields
    extra = 0
    verbose_name = "site"
    verbose_name_plural = (
        f"sites (the report's figures over its default period, the last {selectors.REPORT_DEFAULT_DAYS} days "
        "in the client's time zone; live environments only)"
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # AddSitesInline adds

    def get_queryset(self, request: HttpRequest) -> QuerySet[SiteAssignment]:
        return super().get_queryset(request).select_related("site", "rule", "client")

    @admin.display(description="Site")
    def site_link(self, obj: SiteAssignment) -> str:
        url = reverse("admin:kinsta_sync_site_change", args=[obj.site_id])
        return format_html('<a href="{}">{}</a><br><small>{}</small>', url, obj.site.display_name, obj.site.name)

    @admin.display(description="On Kinsta")
    def site_status(self, obj: SiteAssignment) -> str:
        return f"removed {obj.site.removed_at:%Y-%m-%d}" if obj.site.removed_at else "present"

    @admin.display(description="Assigned")
    def how(self, obj: SiteAssignment) -> str:
        if obj.source == SiteAssignment.Source.RULE:
            return f"by rule {obj.rule.get_kind_display().lower()} {obj.rule.pattern}" if obj.rule else "by a rule"
        return "by hand"

    @admin.display(description="Since")
    def assigned_on(self, obj: SiteAssignment) -> str:
        return f"{obj.assigned_at:%Y-%m-%d}"

    @admin.display(description="Visits")
    def visits(self, obj: SiteAssignment) -> str:
        return _number(_figures(obj.client).site(obj.site_id)[Metric.VISITS])

    @admin.display(description="Bandwidth")
    def bandwidth(self, obj: SiteAssignment) -> str:
        return _bytes(_figures(obj.client).site(obj.site_id)[Metric.BANDWIDTH])

    @admin.display(description="CDN bandwidth")
    def cdn_bandwidth(self, obj: SiteAssignment) -> str:
        return _bytes(_figures(obj.client).site(obj.site_id)[Metric.CDN_BANDWIDTH])


class AddSitesInline(admin.TabularInline):
    """Rows for adding unmapped sites by hand (the picker offers only sites without a client)."""

    model = SiteAssignment
    form = AddSiteForm
    fk_name = "client"
    fields = ["site"]
    autocomplete_fields = ["site"]
    extra = 0
    can_delete = False
    verbose_name = "site to add by hand"
    verbose_name_plural = "add sites by hand"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SiteAssignment]:
        return super().get_queryset(request).none()


class MappingRuleInline(admin.TabularInline):
    model = MappingRule
    form = MappingRuleForm
    fields = ["kind", "pattern", "priority", "is_active"]
    extra = 0


class ClientMembershipInline(admin.TabularInline):
    model = ClientMembership
    fields = ["user", "email", "invited_at", "last_login"]
    readonly_fields = fields
    extra = 0
    verbose_name = "client user"
    verbose_name_plural = "client users (invite them with the button above)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="E-mail")
    def email(self, obj: ClientMembership) -> str:
        return obj.user.email

    @admin.display(description="Last login")
    def last_login(self, obj: ClientMembership) -> str:
        return f"{obj.user.last_login:%Y-%m-%d %H:%M}" if obj.user.last_login else "never (invited)"


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientAdminForm
    list_display = ["name", "slug", "site_count", "rule_count", "contacts", "language", "timezone", "is_active"]
    list_filter = ["is_active", "language"]
    search_fields = ["name", "slug", "contact_emails", "notes"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["period_totals"]
    inlines = [SiteAssignmentInline, AddSitesInline, MappingRuleInline, ClientMembershipInline]

    class Media:
        css = {"all": ["css/admin-clients.css"]}

    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "contact_emails_text", "period_totals"]}),
        ("Reports", {"fields": ["language", "timezone", "logo", "brand_color"]}),
        ("Internal", {"fields": ["notes"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_sites=Count("site_assignments", distinct=True), n_rules=Count("mapping_rules", distinct=True))
            # A GROUP BY query ignores Meta.ordering: the autocomplete's pages need an order of their own.
            .order_by("name", "pk")
        )

    @admin.display(description="Sites", ordering="n_sites")
    def site_count(self, obj: Client) -> int:
        return obj.n_sites  # type: ignore[attr-defined]

    @admin.display(description="Rules", ordering="n_rules")
    def rule_count(self, obj: Client) -> int:
        return obj.n_rules  # type: ignore[attr-defined]

    @admin.display(description="Contacts")
    def contacts(self, obj: Client) -> str:
        return ", ".join(obj.contact_email_list[:2]) + (" …" if len(obj.contact_email_list) > 2 else "")

    @admin.display(description=f"Report figures, last {selectors.REPORT_DEFAULT_DAYS} days")
    def period_totals(self, obj: Client) -> str:
        if not obj.pk:
            return "—"
        figures = _figures(obj)
        totals = figures.totals
        return format_html(
            "{} visits · {} bandwidth · {} CDN bandwidth <small>({}, the report's default period in the "
            "client's time zone: live environments only, removed sites included, as in the report)</small>",
            _number(totals[Metric.VISITS]),
            _bytes(totals[Metric.BANDWIDTH]),
            _bytes(totals[Metric.CDN_BANDWIDTH]),
            str(figures.period),
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        token = _current_figures.set({})
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # render while the figures are kept
            return response
        finally:
            _current_figures.reset(token)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not SiteAssignment:
            super().save_formset(request, form, formset, change)
            return
        # Sites added or removed on the client's page are hand assignments: through the service.
        formset.save(commit=False)
        services.unassign_sites(sites=[obj.site for obj in formset.deleted_objects])
        changed = [obj.site for obj in (*formset.new_objects, *(o for o, _ in formset.changed_objects))]
        services.assign_sites(sites=changed, client=form.instance, assigned_by=request.user)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="clients_client_import"),
            path("<path:object_id>/invite/", wrap(self.invite_view), name="clients_client_invite"),
            *super().get_urls(),
        ]

    def invite_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        client = get_object_or_404(Client, pk=object_id)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        form = InviteClientUserForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user = services.invite_client_user(
                    client=client,
                    email=form.cleaned_data["email"],
                    base_url=request.build_absolute_uri("/"),
                    invited_by=request.user,
                )
            except services.InvitationError as exc:
                form.add_error("email", str(exc))
            else:
                self.message_user(
                    request, format_html("Sent an invitation to {} for {}.", user.email, client.name), messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:clients_client_change", args=[client.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Invite a client user to {client.name}",
            "opts": self.opts,
            "original": client,
            "form": form,
        }
        return TemplateResponse(request, "admin/clients/client/invite.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportClientsForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = services.import_clients_csv(file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            if result.ok and not result.dry_run:
                self.message_user(request, result.summary(), messages.SUCCESS)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import clients from a CSV file",
            "opts": self.opts,
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/clients/client/import.html", context)


# --- Mapping rules ---------------------------------------------------------------------------------------


@admin.register(MappingRule)
class MappingRuleAdmin(admin.ModelAdmin):
    form = MappingRuleForm
    list_display = ["pattern", "kind", "client", "priority", "is_active", "would_take", "assigned_count"]
    list_editable = ["priority", "is_active"]
    list_filter = ["kind", "is_active", "client"]
    search_fields = ["pattern", "client__name"]
    list_select_related = ["client"]
    autocomplete_fields = ["client"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MappingRule]:
        return super().get_queryset(request).annotate(n_assigned=Count("assignments"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        token = _current_plan.set(services.preview_mapping_rules())
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response
        finally:
            _current_plan.reset(token)

    @admin.display(description="Would take now")
    def would_take(self, obj: MappingRule) -> str:
        plan = _current_plan.get()
        if plan is None:
            return "—"
        count = len(plan.sites_by_rule().get(obj.pk, []))
        url = reverse("admin:clients_mappingrule_preview") + f"?rule={obj.pk}"
        return format_html('<a href="{}">{} site(s)</a>', url, count)

    @admin.display(description="Has assigned", ordering="n_assigned")
    def assigned_count(self, obj: MappingRule) -> int:
        return obj.n_assigned  # type: ignore[attr-defined]

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [path("preview/", wrap(self.preview_view), name="clients_mappingrule_preview"), *super().get_urls()]

    def response_add(
        self, request: HttpRequest, obj: MappingRule, post_url_continue: str | None = None
    ) -> HttpResponse:
        if "_preview" in request.POST:
            return HttpResponseRedirect(reverse("admin:clients_mappingrule_preview") + f"?rule={obj.pk}")
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: MappingRule) -> HttpResponse:
        if "_preview" in request.POST:
            return HttpResponseRedirect(reverse("admin:clients_mappingrule_preview") + f"?rule={obj.pk}")
        return super().response_change(request, obj)

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """GET: what the active rules would assign now. POST: apply exactly that (or refuse if it changed)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if not (self.has_change_permission(request) and _can_assign(request)):
                raise PermissionDenied
            try:
                plan = services.apply_mapping_rules(expected_fingerprint=request.POST.get("fingerprint", ""))
            except services.PlanChanged:
                self.message_user(
                    request,
                    "The rules or the sites changed since this preview, so nothing was assigned. "
                    "Here is the preview again.",
                    messages.WARNING,
                )
            else:
                self.message_user(request, plan.summary(), messages.SUCCESS)
                next_url = request.POST.get("next", "")
                if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                    next_url = reverse("admin:clients_unmappedsite_changelist")
                return HttpResponseRedirect(next_url)
        plan = services.preview_mapping_rules()
        focus = None
        if request.GET.get("rule", "").isdigit():
            focus = MappingRule.objects.select_related("client").filter(pk=request.GET["rule"]).first()
        by_rule = plan.sites_by_rule()
        rules = sorted(plan.rules, key=lambda rule: (focus is None or rule.pk != focus.pk, -rule.priority, rule.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview of the mapping rules",
            "opts": self.opts,
            "plan": plan,
            "focus": focus,
            "focus_sites": by_rule.get(focus.pk, []) if focus else [],
            "rule_rows": [(rule, by_rule.get(rule.pk, [])) for rule in rules],
            "can_apply": self.has_change_permission(request) and _can_assign(request),
        }
        return TemplateResponse(request, "admin/clients/mappingrule/preview.html", context)


# --- Client users and the agency's branding --------------------------------------------------------------


@admin.register(ClientMembership)
class ClientMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "user_email", "client", "invited_at", "user_last_login"]
    list_filter = ["client"]
    search_fields = ["user__username", "user__email", "client__name"]
    list_select_related = ["user", "client"]
    autocomplete_fields = ["client"]
    raw_id_fields = ["user"]

    @admin.display(description="E-mail", ordering="user__email")
    def user_email(self, obj: ClientMembership) -> str:
        return obj.user.email

    @admin.display(description="Last login", ordering="user__last_login")
    def user_last_login(self, obj: ClientMembership) -> Any:
        return obj.user.last_login


@admin.register(AgencyBranding)
class AgencyBrandingAdmin(admin.ModelAdmin):
    """One row for the installation: the list goes straight to it."""

    fields = ["name", "logo", "brand_color", "sender_name", "reply_to"]

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
