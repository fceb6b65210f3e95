"""Mapping rules: the list with what each rule would take now, and the preview page that applies exactly
what it showed."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy, ngettext

from clients import mapping
from clients.admin.common import can_assign, current_plan
from clients.forms import MappingRuleForm
from clients.models import MappingRule

# {rule id: sites it matches} while the list renders (set per request, like current_plan).
_current_matches: ContextVar[dict[int, int] | None] = ContextVar("rule_matches", default=None)


@admin.register(MappingRule)
class MappingRuleAdmin(admin.ModelAdmin):
    form = MappingRuleForm
    # Kind and pattern share a column, so the list fits beside the admin's sidebar and filters (no header is
    # cut off at the right).
    list_display = ["rule", "client", "priority", "is_active", "matches", "assigned_count"]
    list_display_links = ["rule"]
    list_editable = ["priority", "is_active"]
    list_filter = ["kind", "is_active", "client"]
    search_fields = ["pattern", "client__name"]
    list_select_related = ["client"]
    autocomplete_fields = ["client"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MappingRule]:
        return super().get_queryset(request).annotate(n_assigned=Count("assignments"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        token = current_plan.set(mapping.preview_mapping_rules())
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                # The rows' match counts in one pass over the sites, for the rules on this page only.
                changelist = (getattr(response, "context_data", None) or {}).get("cl")
                rows = list(changelist.result_list) if changelist is not None else []
                matches_token = _current_matches.set(mapping.rule_match_counts(rows))
                try:
                    response.render()
                finally:
                    _current_matches.reset(matches_token)
            return response
        finally:
            current_plan.reset(token)

    @admin.display(description=gettext_lazy("Rule"), ordering="pattern")
    def rule(self, obj: MappingRule) -> str:
        return format_html('{}<br><span class="quiet">{}</span>', obj.pattern, obj.get_kind_display())

    @admin.display(description=gettext_lazy("Matches now"))
    def matches(self, obj: MappingRule) -> str:
        """The sites the rule matches now (mapped or not), and how many unmapped ones it would take."""
        url = reverse("admin:clients_mappingrule_preview") + f"?rule={obj.pk}"
        matched = (_current_matches.get() or {}).get(obj.pk, 0)
        plan = current_plan.get()
        take = len(plan.sites_by_rule().get(obj.pk, [])) if plan is not None else 0
        label = ngettext("%(count)d site", "%(count)d sites", matched) % {"count": matched}
        if take:
            note = gettext("would take %(count)d unmapped") % {"count": take}
            return format_html('<a href="{}">{}</a> <span class="quiet">({})</span>', url, label, note)
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=gettext_lazy("Has assigned"), ordering="n_assigned")
    def assigned_count(self, obj: MappingRule) -> str:
        count = obj.n_assigned  # type: ignore[attr-defined]
        return ngettext("%(count)d site", "%(count)d sites", count) % {"count": count}

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
            if not (self.has_change_permission(request) and can_assign(request)):
                raise PermissionDenied
            try:
                plan = mapping.apply_mapping_rules(expected_fingerprint=request.POST.get("fingerprint", ""))
            except mapping.PlanChanged:
                self.message_user(
                    request,
                    gettext(
                        "The rules or the sites changed since this preview, so nothing was assigned. "
                        "Here is the preview again."
                    ),
                    messages.WARNING,
                )
            else:
                self.message_user(request, plan.summary(), messages.SUCCESS)
                next_url = request.POST.get("next", "")
                if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                    next_url = reverse("admin:clients_unmappedsite_changelist")
                return HttpResponseRedirect(next_url)
        plan = mapping.preview_mapping_rules()
        focus = None
        if request.GET.get("rule", "").isdigit():
            focus = MappingRule.objects.select_related("client").filter(pk=request.GET["rule"]).first()
        by_rule = plan.sites_by_rule()
        rules = sorted(plan.rules, key=lambda rule: (focus is None or rule.pk != focus.pk, -rule.priority, rule.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Preview of the mapping rules"),
            "opts": self.opts,
            "plan": plan,
            "focus": focus,
            "focus_sites": by_rule.get(focus.pk, []) if focus else [],
            "rule_rows": [(rule, by_rule.get(rule.pk, [])) for rule in rules],
            "can_apply": self.has_change_permission(request) and can_assign(request),
        }
        return TemplateResponse(request, "admin/clients/mappingrule/preview.html", context)
