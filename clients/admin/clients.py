"""Clients: their sites with the report's figures, sites to add by hand, their rules and users, the CSV
import and the invitation page."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from clients import assignment, csv_import, invitations, selectors
from clients.admin.common import LogoInput
from clients.forms import ClientAdminForm, ImportClientsForm, InviteClientUserForm, MappingRuleForm
from clients.logos import LogoField
from clients.models import Client, ClientMembership, MappingRule, SiteAssignment
from kinsta_sync.figures import scale_bytes
from kinsta_sync.models import Metric

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
    return gettext("no data") if value is None else f"{value:,}"


def _bytes(value: int | None) -> str:
    """Decimal units (1 GB = 1,000,000,000 bytes), as the report shows sizes (kinsta_sync.figures)."""
    if value is None:
        return gettext("no data")
    size, decimals, unit = scale_bytes(value)
    return f"{size:,.{decimals}f} {unit}"


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
                    gettext("This site belongs to %(client)s. To move it, use “Assign to client…” on the site list.")
                    % {"client": other.client.name},
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
    verbose_name = gettext_lazy("site")
    verbose_name_plural = format_lazy(
        gettext_lazy(
            "sites (the report's figures over its default period, the last {days} days in the client's time zone; "
            "live environments only)"
        ),
        days=selectors.REPORT_DEFAULT_DAYS,
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # AddSitesInline adds

    def get_queryset(self, request: HttpRequest) -> QuerySet[SiteAssignment]:
        return super().get_queryset(request).select_related("site", "rule", "client")

    @admin.display(description=gettext_lazy("Site"))
    def site_link(self, obj: SiteAssignment) -> str:
        url = reverse("admin:kinsta_sync_site_change", args=[obj.site_id])
        return format_html('<a href="{}">{}</a><br><small>{}</small>', url, obj.site.display_name, obj.site.name)

    @admin.display(description=gettext_lazy("On Kinsta"))
    def site_status(self, obj: SiteAssignment) -> str:
        if obj.site.removed_at:
            return gettext("removed %(date)s") % {"date": f"{obj.site.removed_at:%Y-%m-%d}"}
        return gettext("present")

    @admin.display(description=gettext_lazy("Assigned"))
    def how(self, obj: SiteAssignment) -> str:
        if obj.source == SiteAssignment.Source.RULE:
            if obj.rule is None:
                return gettext("by a rule")
            # The kind's label as written (lowercasing it broke "Kinsta" and every German noun).
            return gettext("by rule: %(kind)s “%(pattern)s”") % {
                "kind": obj.rule.get_kind_display(),
                "pattern": obj.rule.pattern,
            }
        return gettext("by hand")

    @admin.display(description=gettext_lazy("Since"))
    def assigned_on(self, obj: SiteAssignment) -> str:
        return f"{obj.assigned_at:%Y-%m-%d}"

    @admin.display(description=gettext_lazy("Visits"))
    def visits(self, obj: SiteAssignment) -> str:
        return _number(_figures(obj.client).site(obj.site_id)[Metric.VISITS])

    @admin.display(description=gettext_lazy("Bandwidth"))
    def bandwidth(self, obj: SiteAssignment) -> str:
        return _bytes(_figures(obj.client).site(obj.site_id)[Metric.BANDWIDTH])

    @admin.display(description=gettext_lazy("CDN bandwidth"))
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
    verbose_name = gettext_lazy("site to add by hand")
    verbose_name_plural = gettext_lazy("add sites by hand")

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
    verbose_name = gettext_lazy("client user")
    verbose_name_plural = gettext_lazy("client users (invite them with the button above)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("E-mail"))
    def email(self, obj: ClientMembership) -> str:
        return obj.user.email

    @admin.display(description=gettext_lazy("Last login"))
    def last_login(self, obj: ClientMembership) -> str:
        return f"{obj.user.last_login:%Y-%m-%d %H:%M}" if obj.user.last_login else gettext("never (invited)")


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientAdminForm
    list_display = ["name", "slug", "site_count", "rule_count", "contacts", "language", "timezone", "is_active"]
    list_filter = ["is_active", "language"]
    search_fields = ["name", "slug", "contact_emails", "notes"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["period_totals"]
    inlines = [SiteAssignmentInline, AddSitesInline, MappingRuleInline, ClientMembershipInline]
    formfield_overrides = {LogoField: {"widget": LogoInput}}

    class Media:
        css = {"all": ["css/admin-clients.css"]}

    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "contact_emails_text", "period_totals"]}),
        (
            gettext_lazy("Reports"),
            {"fields": ["language", "timezone", "logo", "brand_color", "activity_shown_to_client"]},
        ),
        (gettext_lazy("Internal"), {"fields": ["notes"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_sites=Count("site_assignments", distinct=True), n_rules=Count("mapping_rules", distinct=True))
            # A GROUP BY query ignores Meta.ordering: the autocomplete's pages need an order of their own.
            .order_by("name", "pk")
        )

    @admin.display(description=gettext_lazy("Sites"), ordering="n_sites")
    def site_count(self, obj: Client) -> int:
        return obj.n_sites  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("Rules"), ordering="n_rules")
    def rule_count(self, obj: Client) -> int:
        return obj.n_rules  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("Contacts"))
    def contacts(self, obj: Client) -> str:
        return ", ".join(obj.contact_email_list[:2]) + (" …" if len(obj.contact_email_list) > 2 else "")

    @admin.display(
        description=format_lazy(gettext_lazy("Report figures, last {days} days"), days=selectors.REPORT_DEFAULT_DAYS)
    )
    def period_totals(self, obj: Client) -> str:
        if not obj.pk:
            return "—"
        figures = _figures(obj)
        totals = figures.totals
        return format_html(
            gettext(
                "{visits} visits · {bandwidth} bandwidth · {cdn} CDN bandwidth <small>({period}, the report's "
                "default period in the client's time zone: live environments only, removed sites included, as in "
                "the report)</small>"
            ),
            visits=_number(totals[Metric.VISITS]),
            bandwidth=_bytes(totals[Metric.BANDWIDTH]),
            cdn=_bytes(totals[Metric.CDN_BANDWIDTH]),
            period=str(figures.period),
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
        assignment.unassign_sites(sites=[obj.site for obj in formset.deleted_objects])
        changed = [obj.site for obj in (*formset.new_objects, *(o for o, _ in formset.changed_objects))]
        assignment.assign_sites(sites=changed, client=form.instance, assigned_by=request.user)

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
                user = invitations.invite_client_user(
                    client=client,
                    email=form.cleaned_data["email"],
                    base_url=request.build_absolute_uri("/"),
                    invited_by=request.user,
                )
            except invitations.InvitationError as exc:
                form.add_error("email", str(exc))
            else:
                self.message_user(
                    request,
                    format_html(
                        gettext("Sent an invitation to {email} for {client}."), email=user.email, client=client.name
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:clients_client_change", args=[client.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Invite a client user to %(client)s") % {"client": client.name},
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
            result = csv_import.import_clients_csv(file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            if result.ok and not result.dry_run:
                self.message_user(request, result.summary(), messages.SUCCESS)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import clients from a CSV file"),
            "opts": self.opts,
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/clients/client/import.html", context)
