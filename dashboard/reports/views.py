"""The report pages. Each view: access check (clients.access) -> validated input -> one selector -> render.

Client users see their client's pages in the client's language; staff see every page in the language
they picked. Report pages render in the client's time zone (activity times, "today" for the presets).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clients.access import (
    PERM_START_SYNC,
    client_for_member,
    get_client_for_user,
    is_staff,
    require_permission,
    require_staff,
    visible_clients,
)
from clients.models import Client
from dashboard.reports import cache, charts, sections
from dashboard.reports.forms import OverviewForm
from dashboard.reports.periods import (
    COMPARE_LABELS,
    CUSTOM,
    PRESET_LABELS,
    InvalidPeriod,
    compare_key,
    parse_period,
)
from dashboard.reports.selectors import (
    AUDIENCE_CLIENT,
    AUDIENCE_STAFF,
    METRICS,
    agency_overview,
    client_report,
    client_today,
    site_report,
    sync_page,
    sync_target,
)
from kinsta_sync.models import SyncRun

# --- Helpers ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _client_context(request: HttpRequest, client: Client) -> Iterator[None]:
    """Render in the client's time zone, and in the client's language for client users."""
    language = None if is_staff(request.user) else client.language
    with contextlib.ExitStack() as stack:
        stack.enter_context(timezone.override(client.timezone))
        if language:
            stack.enter_context(translation.override(language))
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        yield


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # LocaleMiddleware would label the response with the request's language, not the client's.
    response["Content-Language"] = translation.get_language()
    return response


def _picker(request: HttpRequest, period: Any, compare: Any, *, today: Any) -> dict[str, Any]:
    """What the period picker shows: the chosen preset or range, the comparison and the options."""
    kind = period.kind if period is not None else (request.GET.get("period") or CUSTOM)
    return {
        "presets": list(PRESET_LABELS.items()),
        "compares": list(COMPARE_LABELS.items()),
        "current": kind,
        "compare": compare_key(compare) if period is not None else request.GET.get("compare", ""),
        "start": period.start.isoformat() if period is not None else request.GET.get("start", ""),
        "end": period.end.isoformat() if period is not None else request.GET.get("end", ""),
        "max": today.isoformat(),
        "custom": CUSTOM,
    }


def _period_query(period: Any, compare: Any) -> str:
    return urlencode(period.query(compare_key(compare)))


def _overview_keep(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    """The query parameters each of the overview's two forms must carry over from the other."""

    def keep(names: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(name, request.GET[name]) for name in names if request.GET.get(name)]

    return {
        "search_keep": keep(("period", "start", "end", "compare", "sort", "dir")),
        "picker_keep": keep(("q", "sort", "dir")),
    }


def _unmapped_url() -> str:
    """The admin's list of unmapped sites (the clients app registers it), or "" when it is not there."""
    try:
        return reverse("admin:clients_unmappedsite_changelist")
    except NoReverseMatch:
        return ""


def _fragment(
    request: HttpRequest, version: str | None, client: Client, period: Any, compare: Any, *parts: Any
) -> dict[str, Any]:
    """The body fragment's key (dashboard.reports.cache.body_fragment) for this viewer's role: staff and client
    users get separate entries."""
    role = "staff" if is_staff(request.user) else "client"
    return cache.body_fragment(version, client, period, compare, *parts, role)


# --- Overview ---------------------------------------------------------------------------------------------


def overview(request: HttpRequest) -> HttpResponse:
    """Agency staff: every client with its figures and the sync health. Client users: their report."""
    if not is_staff(request.user):
        client = client_for_member(request.user)
        if client is None:
            return render(request, "reports/no_client.html", status=403)
        url = reverse("reports-client", args=[client.slug])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)

    today = timezone.localdate()
    form = OverviewForm(request.GET)
    options = form.cleaned_options()
    try:
        period, compare = parse_period(request.GET, today=today)
    except InvalidPeriod as error:
        picker = _picker(request, None, None, today=today)
        context = {**_overview_keep(request), "errors": error.messages, "picker": picker}
        return render(request, "reports/overview.html", context, status=400)

    version = cache.data_version()
    data = agency_overview(
        clients=visible_clients(request.user),
        period=period,
        compare=compare,
        search=options["q"],
        sort=options["sort"],
        descending=options["descending"],
        cache_version=version,
    )
    # The client table's HTML depends on the figures (version, periods, the clients shown), the clients'
    # names, slugs and site counts (read live, not part of the version), the query (sort links), the language.
    table_key = cache.fragment_key(
        version,
        "overview",
        *cache.period_parts(period),
        *cache.period_parts(compare),
        *((row.client_id, row.name, row.slug, row.sites) for row in data.rows),
        data.total_clients,
        request.GET.urlencode(),
        *(column.name for column in sections.columns()),
        translation.get_language(),
    )
    context = {
        **_overview_keep(request),
        "overview": data,
        # The trend lines are drawn only when the table is rendered, not when it comes from the cache.
        "rows": lambda: _overview_rows(data, period, compare),
        "extra_columns": sections.columns(),
        "fragment_key": table_key,
        "fragment_seconds": settings.REPORTS_CACHE_SECONDS,
        "picker": _picker(request, period, compare, today=today),
        "period_query": _period_query(period, compare),
        "sort_columns": OverviewForm.sort_columns(),
        "unmapped_url": _unmapped_url(),
    }
    return render(request, "reports/overview.html", context)


def _overview_rows(data: Any, period: Any, compare: Any) -> list[dict[str, Any]]:
    """The overview's rows with their trend lines and the cells of the columns other apps add."""
    cells = sections.overview_cells([row.client_id for row in data.rows], period, compare)
    return [
        {
            "row": row,
            "trend": charts.sparkline(row.visits_daily),
            "extra": [(column, values.get(row.client_id)) for column, values in cells],
        }
        for row in data.rows
    ]


# --- Client report and site page --------------------------------------------------------------------------


def client_report_view(request: HttpRequest, slug: str) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    with _client_context(request, client):
        today = client_today(client)
        try:
            period, compare = parse_period(request.GET, today=today)
        except InvalidPeriod as error:
            context = {
                "client": client,
                "errors": error.messages,
                "picker": _picker(request, None, None, today=today),
            }
            return _render(request, "reports/client_report.html", context, status=400)
        version = cache.data_version()
        audience = AUDIENCE_STAFF if is_staff(request.user) else AUDIENCE_CLIENT
        report = client_report(client=client, period=period, compare=compare, audience=audience, cache_version=version)
        request_for = sections.SectionRequest(client, period, compare, audience, user=request.user)
        context = {
            "sections": sections.build(request_for, sections.SURFACE_PAGE, version=version),
            "client": report.client,
            "report": report,
            # Built only when the page body is rendered, not when it comes from the fragment cache.
            "charts": lambda: charts.client_charts(report),
            "plotly_locale": charts.plotly_locale(),
            **_fragment(request, version, client, period, compare, "report"),
            "picker": _picker(request, period, compare, today=today),
            "period_query": _period_query(period, compare),
            "metrics": METRICS,
        }
        return _render(request, "reports/client_report.html", context)


def site_view(request: HttpRequest, slug: str, site_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    with _client_context(request, client):
        today = client_today(client)
        try:
            period, compare = parse_period(request.GET, today=today)
        except InvalidPeriod as error:
            context = {"client": client, "errors": error.messages, "picker": _picker(request, None, None, today=today)}
            return _render(request, "reports/site.html", context, status=400)
        version = cache.data_version()
        report = site_report(client=client, site_id=site_id, period=period, compare=compare, cache_version=version)
        if report is None:
            raise Http404("No such site.")
        audience = AUDIENCE_STAFF if is_staff(request.user) else AUDIENCE_CLIENT
        request_for = sections.SectionRequest(client, period, compare, audience, site_id=site_id, user=request.user)
        context = {
            "sections": sections.build(request_for, sections.SURFACE_SITE, version=version),
            "client": report.client,
            "report": report,
            "site": report.site,
            "charts": lambda: charts.site_charts(report),
            "plotly_locale": charts.plotly_locale(),
            **_fragment(request, version, client, period, compare, "site", site_id),
            "picker": _picker(request, period, compare, today=today),
            "period_query": _period_query(period, compare),
        }
        return _render(request, "reports/site.html", context)


# --- Sync -------------------------------------------------------------------------------------------------


def sync_view(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    page = sync_page()
    return render(request, "reports/sync.html", {"sync": page, "queued": _queued(request, page)})


def _queued(request: HttpRequest, page: Any) -> dict[str, int] | None:
    """The run "Sync now" queued (`?queued=<account>&after=<its latest run then>`) while it has not started:
    the page waits for it (static/js/sync.js). None once a newer run of the account started or ended."""
    try:
        account_id, after = int(request.GET.get("queued", "")), int(request.GET.get("after", "0"))
    except ValueError:
        return None
    account = next((a for a in page.accounts if a.id == account_id), None)
    if account is None or account.running is not None or (account.last_run and account.last_run.id > after):
        return None
    return {"account": account_id, "after": after}


@require_GET
def sync_status(request: HttpRequest) -> JsonResponse:
    """What the sync page polls while a run is going: each account's running run and its progress."""
    require_staff(request.user)
    page = sync_page(limit=0)
    accounts = [
        {
            "id": account.id,
            "running": None
            if account.running is None
            else {
                "id": account.running.id,
                "step": account.running.current_step,
                "done": account.running.progress_done,
                "total": account.running.progress_total,
                "percent": account.running.progress_percent,
            },
            "last_run": None
            if account.last_run is None
            else {"id": account.last_run.id, "status": account.last_run.status},
        }
        for account in page.accounts
    ]
    return JsonResponse({"running": page.any_running, "accounts": accounts})


@require_POST
def sync_now(request: HttpRequest, account_id: int) -> HttpResponse:
    """Queue a full sync of one account on the django-q2 cluster (the run appears on the sync page)."""
    require_permission(request.user, PERM_START_SYNC)
    target = sync_target(account_id=account_id)
    if target is None:
        raise Http404("No such account.")
    account, running = target
    if running:
        messages.info(request, _("A sync of %(account)s is already running.") % {"account": account.name})
        return redirect("reports-sync")
    from django_q.tasks import async_task

    async_task(
        "kinsta_sync.tasks.sync_account",
        account.pk,
        "all",
        SyncRun.Trigger.ADMIN,
        task_name=f"kinsta-sync-now-{account.pk}",
    )
    messages.success(
        request,
        _("A sync of %(account)s is queued. It starts as soon as a worker is free.") % {"account": account.name},
    )
    # The page waits for this run to start and follows it to its end (static/js/sync.js).
    after = SyncRun.objects.filter(account=account).order_by("-pk").values_list("pk", flat=True).first() or 0
    return redirect(f"{reverse('reports-sync')}?{urlencode({'queued': account.pk, 'after': after})}")
