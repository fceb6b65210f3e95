"""Staff pages of the site actions: confirm an action (POST with CSRF), then follow its run to the end.

Access: the client by slug through clients.access (404 for a client user of another client), the action
behind the permission actions.run_action (404 for non-staff, 403 for staff without it), the site only among
the client's own sites (404 otherwise). The run page is for staff only (404 for everyone else). The Slack
command needs no login: Slack's request signature stands in for it (dashboard.actions.slack).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from clients.access import get_client_for_user, is_staff, require_permission, require_staff
from dashboard.actions import services, slack
from dashboard.actions.models import ITEM_ACTIONS, Action, ActionRun, SlackUser
from dashboard.actions.sections import PERM_RUN_ACTION
from kinsta_sync.models import Environment, InstalledItem, Site

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
    item = None
    if action in ITEM_ACTIONS:
        # An update of one plugin or theme (?name=slug): on an environment where the last sync saw it with
        # an update available (the maintenance section's "Update" button links here).
        item_name = (request.POST.get("name") or request.GET.get("name") or "").strip()
        updatable = {
            installed.environment_id: installed
            for installed in InstalledItem.objects.filter(
                environment__in=environments, kind=ITEM_ACTIONS[action], name=item_name, removed_at__isnull=True
            ).exclude(update_version="")
        }
        environments = [env for env in environments if env.pk in updatable]
        if not environments:
            raise Http404("No such plugin or theme with an update available.")
        item = next(iter(sorted(updatable.values(), key=lambda i: environments.index(i.environment))))
    form = ConfirmForm(
        request.POST or None, environments=environments, initial={"environment": _chosen(request, environments)}
    )
    if request.method == "POST" and form.is_valid():
        environment = form.environments[form.cleaned_data["environment"]]
        try:
            action_run = services.request_action(
                site=site,
                environment=environment,
                action=action,
                source=ActionRun.Source.WEB,
                requested_by=request.user,
                item_name=item.name if item else "",
                item_version=updatable[environment.pk].update_version if item else "",
            )
        except services.Refused as exc:
            form.add_error(None, str(exc))
        else:
            from django_q.tasks import async_task

            async_task("dashboard.actions.tasks.follow_run", action_run.pk, task_name=f"action-run-{action_run.pk}")
            return redirect("actions-run", run_id=action_run.pk)
    label = Action(action).label
    if item is not None:
        label = _("Update %(item)s from %(version)s to %(update)s") % {
            "item": item.title or item.name,
            "version": item.version or "?",
            "update": item.update_version,
        }
    context = {"client": client, "site": site, "action": action, "label": label, "form": form, "item": item}
    return render(request, "actions/confirm.html", context, status=400 if form.errors else 200)


def _chosen(request: HttpRequest, environments: list[Environment]) -> str | None:
    """The environment the clicked button was for (?environment=<id>), when it is one offered here: an id of
    another site's environment (or of none) is ignored, so the link can never reach past the site."""
    wanted = request.GET.get("environment", "")
    return wanted if any(str(env.pk) == wanted for env in environments) else None


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


# --- Slack -----------------------------------------------------------------------------------------------

SLACK_HELP = (
    "Usage: `/kinsta status SITE`, `/kinsta clear-cache SITE [ENVIRONMENT]`, `/kinsta restart-php SITE "
    "[ENVIRONMENT]`, `/kinsta update-plugin SITE NAME [ENVIRONMENT]`, `/kinsta update-theme SITE NAME "
    "[ENVIRONMENT]` (SITE: the Kinsta site name or id; NAME: the plugin's or theme's slug or title; "
    "ENVIRONMENT: live unless given)."
)


def _slack_target(site: Site, command: str, words: list[str]) -> tuple[Environment, str]:
    """The environment and, for an update, the item's slug that the words after SITE name.

    An update's NAME may be a title with spaces ("Yoast SEO"): the last word is the environment only when
    the site has an environment of that name."""
    if command not in ITEM_ACTIONS:
        return services.find_environment(site, words[0] if words else "live"), ""
    kind = ITEM_ACTIONS[command]
    if not words:
        raise services.Refused(f"Which {kind}? Give its slug or title: `/kinsta {command} SITE NAME [ENVIRONMENT]`.")
    environment_name = "live"
    present = set(site.environments.filter(removed_at__isnull=True).values_list("name", flat=True))
    if len(words) > 1 and words[-1] in present:
        environment_name, words = words[-1], words[:-1]
    environment = services.find_environment(site, environment_name)
    return environment, services.find_item_name(environment, kind, " ".join(words))


@csrf_exempt
@login_not_required
@require_POST
def slack_command(request: HttpRequest) -> HttpResponse:
    """Slack's slash command: verified by its signature, answered at once (Slack waits three seconds);
    an action's end is posted to the response_url by the worker that follows it."""
    secret = settings.SLACK_SIGNING_SECRET
    if not secret:
        raise Http404("The Slack command is not set up.")
    body = request.body
    if not slack.verify_signature(
        secret=secret,
        timestamp=request.headers.get("X-Slack-Request-Timestamp"),
        body=body,
        signature=request.headers.get("X-Slack-Signature"),
    ):
        return HttpResponse("Invalid or stale Slack signature.", status=401, content_type="text/plain")
    data = QueryDict(body)
    words = data.get("text", "").split()
    if not words or words[0].lower() == "help":
        return JsonResponse(slack.reply(SLACK_HELP))
    command, args = words[0].lower(), words[1:]
    if command != "status" and command not in slack.SLACK_ACTIONS:
        return JsonResponse(slack.reply(f"Unknown command. {SLACK_HELP}"))
    slack_user_id = data.get("user_id", "")
    team_id = data.get("team_id", "")
    link = (
        SlackUser.objects.filter(slack_user_id=slack_user_id)
        .filter(Q(team_id="") | Q(team_id=team_id))
        .select_related("user")
        .first()
    )
    if link is None or not is_staff(link.user):
        return JsonResponse(slack.reply("Your Slack user is not linked to a staff user of the agency dashboard."))
    if command != "status" and not link.user.has_perm(PERM_RUN_ACTION):
        return JsonResponse(
            slack.reply("Your staff user may not run site actions (permission “Can run site actions”).")
        )
    if not args:
        return JsonResponse(slack.reply(SLACK_HELP))
    try:
        site = services.find_site(args[0])
        if command == "status":
            return JsonResponse(slack.reply(slack.status_text(site)))
        environment, item_name = _slack_target(site, command, args[1:])
        response_url = data.get("response_url", "")
        if not response_url.startswith(settings.SLACK_RESPONSE_URL_PREFIX):
            response_url = ""  # never post anywhere but to Slack
        action_run = services.request_action(
            site=site,
            environment=environment,
            action=command,
            source=ActionRun.Source.SLACK,
            requested_by=link.user,
            slack_user_id=slack_user_id,
            slack_response_url=response_url,
            item_name=item_name,
        )
    except services.Refused as exc:
        # The reason quotes the user's words and Kinsta's names: escaped, so neither can mention or link.
        return JsonResponse(slack.reply(f"Refused: {slack.plain(exc)}"))
    from django_q.tasks import async_task

    async_task("dashboard.actions.tasks.follow_run", action_run.pk, task_name=f"action-run-{action_run.pk}")
    return JsonResponse(slack.reply(slack.started_text(action_run)))


# --- Bulk: one action on every site of a client ----------------------------------------------------------

ENVIRONMENT_NAMES = (("live", _("Live")), ("staging", _("Staging")))


class BulkForm(forms.Form):
    environment = forms.ChoiceField(label=_("Environment"), choices=ENVIRONMENT_NAMES)


@require_http_methods(["GET", "POST"])
def bulk_confirm(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    require_permission(request.user, PERM_RUN_ACTION)
    if action not in Action.values or action in ITEM_ACTIONS:
        raise Http404("No such action.")
    sites = list(Site.objects.present().filter(assignment__client=client).order_by("display_name", "pk"))
    form = BulkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["environment"]
        started = 0
        from django_q.tasks import async_task

        for site in sites:
            try:
                environment = services.find_environment(site, name)
                action_run = services.request_action(
                    site=site,
                    environment=environment,
                    action=action,
                    source=ActionRun.Source.WEB,
                    requested_by=request.user,
                )
            except services.Refused:
                continue  # a site without that environment is left out
            async_task("dashboard.actions.tasks.follow_run", action_run.pk, task_name=f"action-run-{action_run.pk}")
            started += 1
        if started:
            return redirect("actions-client-runs", slug=client.slug)
        form.add_error(None, _("None of the client's sites has that environment."))
    context = {"client": client, "sites": sites, "action": action, "label": Action(action).label, "form": form}
    return render(request, "actions/bulk_confirm.html", context, status=400 if form.errors else 200)


def client_runs(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest runs on the client's sites (staff only), reloading while any is still open."""
    client = get_client_for_user(request.user, slug)
    require_staff(request.user)
    runs = list(
        ActionRun.objects.filter(site__assignment__client=client)
        .select_related("site", "environment", "requested_by")
        .order_by("-created_at", "-id")[:50]
    )
    refresh = REFRESH_SECONDS if any(not run.is_finished for run in runs) else None
    return render(request, "actions/client_runs.html", {"client": client, "runs": runs, "refresh": refresh})
