"""Staff pages of the site actions: confirm an action (POST with CSRF), then follow its run to the end.

Access: the client by slug through clients.access (404 for a client user of another client), the action
behind the permission actions.run_action (404 for non-staff, 403 for staff without it), the site only among
the client's own sites (404 otherwise). The run page is for staff only (404 for everyone else).
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from clients.access import get_client_for_user, require_permission, require_staff
from dashboard.actions import services
from dashboard.actions.models import Action, ActionRun
from dashboard.actions.sections import PERM_RUN_ACTION
from kinsta_sync.models import Site

REFRESH_SECONDS = 2


class ConfirmForm(forms.Form):
    environment = forms.ChoiceField(label=_("Environment"))

    def __init__(self, *args, environments, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.environments = {str(env.pk): env for env in environments}
        self.fields["environment"].choices = [(str(env.pk), env.display_name or env.name) for env in environments]


@require_http_methods(["GET", "POST"])
def confirm_action(request: HttpRequest, slug: str, site_id: int, action: str) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    require_permission(request.user, PERM_RUN_ACTION)
    if action not in Action.values:
        raise Http404("No such action.")
    site = get_object_or_404(Site.objects.present().select_related("account"), pk=site_id, assignment__client=client)
    environments = list(site.environments.filter(removed_at__isnull=True).order_by("-is_live", "name"))
    form = ConfirmForm(request.POST or None, environments=environments)
    if request.method == "POST" and form.is_valid():
        environment = form.environments[form.cleaned_data["environment"]]
        try:
            action_run = services.request_action(
                site=site,
                environment=environment,
                action=action,
                source=ActionRun.Source.WEB,
                requested_by=request.user,
            )
        except services.Refused as exc:
            form.add_error(None, str(exc))
        else:
            from django_q.tasks import async_task

            async_task("dashboard.actions.tasks.follow_run", action_run.pk, task_name=f"action-run-{action_run.pk}")
            return redirect("actions-run", run_id=action_run.pk)
    context = {"client": client, "site": site, "action": action, "label": Action(action).label, "form": form}
    return render(request, "actions/confirm.html", context, status=400 if form.errors else 200)


def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    require_staff(request.user)
    action_run = get_object_or_404(
        ActionRun.objects.select_related("site__assignment__client", "environment", "requested_by"), pk=run_id
    )
    assignment = getattr(action_run.site, "assignment", None)
    context = {
        "run": action_run,
        "client": assignment.client if assignment else None,
        "refresh": None if action_run.is_finished else REFRESH_SECONDS,
    }
    return render(request, "actions/run.html", context)
