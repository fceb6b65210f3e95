"""Share links: staff create and revoke them; the share page and its PDF need no login.

A share page shows only the linked client's report, read-only (no picker, no links into the app, no staff
actions), and says so when the link has expired or was revoked (410). The token is the password: every
answer keeps it out of caches, referrers and search engines.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from clients.access import (
    PERM_CREATE_SHARE_LINKS,
    PERM_REVOKE_SHARE_LINKS,
    get_client_for_user,
    require_permission,
)
from clients.logos import logo_response, logo_url
from clients.models import AgencyBranding, Client
from clients.rate_limits import count_request, seconds_left_in_window
from dashboard.delivery import sharing
from dashboard.delivery.forms import ShareLinkForm
from dashboard.delivery.models import ShareLink
from dashboard.delivery.views.common import client_periods, in_client_context, reports_url
from dashboard.exports.downloads import pdf_response, report_file_name, too_busy_response
from dashboard.exports.limits import PdfBusy
from dashboard.reports import cache as report_cache
from dashboard.reports import charts, sections
from dashboard.reports.periods import InvalidPeriod, compare_key
from dashboard.reports.selectors import AUDIENCE_SHARE, ClientReport, client_report, client_today

# --- Staff: create and revoke ---------------------------------------------------------------------------------


@require_POST
def share_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    require_permission(request.user, PERM_CREATE_SHARE_LINKS)
    form = ShareLinkForm(request.POST)
    # From the report page the link is shown back on the report (with a Copy button), not as a message.
    from_report = request.POST.get("return_to") == "report"
    query = sharing.clean_query(request.POST)
    back = _report_url(client, query) if from_report else reports_url(client)
    if not form.is_valid():
        messages.error(request, _("The share link was not created: choose how many days it is valid (1 to 366)."))
        return redirect(back)
    query = sharing.clean_query(form.cleaned_data)
    try:
        client_periods(query, client)
    except InvalidPeriod as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reports_url(client))
    link = sharing.create_share_link(
        client=client, query=query, days=form.cleaned_data["days"], created_by=request.user,
        note=form.cleaned_data["note"],
    )  # fmt: skip
    if from_report:
        request.session[sharing.NEW_LINK_SESSION_KEY] = link.pk
        return redirect(_report_url(client, query))
    url = request.build_absolute_uri(sharing.share_path(link))
    messages.success(request, _("Share link created (valid until %(day)s): %(url)s") % {
        "day": formats.date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT"), "url": url,
    })  # fmt: skip
    return redirect(reports_url(client))


def _report_url(client: Client, query: dict[str, str]) -> str:
    url = reverse("reports-client", args=[client.slug])
    return f"{url}?{urlencode(query)}" if query else url


@require_POST
def share_revoke_view(request: HttpRequest, slug: str, link_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, slug)
    require_permission(request.user, PERM_REVOKE_SHARE_LINKS)
    link = ShareLink.objects.filter(client=client, pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    if sharing.revoke_share_link(link, by=request.user):
        messages.success(request, _("The share link was revoked; it now answers “no longer available”."))
    else:
        messages.info(request, _("The share link was already revoked."))
    return redirect(reports_url(client))


# --- Share links (no login) -----------------------------------------------------------------------------------


def _shared(request: HttpRequest, token: str) -> tuple[ShareLink, HttpResponse | None]:
    resolved = sharing.resolve_share_token(token)
    if resolved is None:
        raise Http404("No such link.")
    if resolved.state != "active":
        link = resolved.link
        with translation.override(link.client.language):
            response = render(
                request,
                "delivery/share_gone.html",
                {"state": resolved.state, "agency": AgencyBranding.get()},
                status=410,
            )
        return link, _private(response)
    return resolved.link, None


def _private(response: HttpResponse) -> HttpResponse:
    # The token is the password: keep it out of caches, referrers and search engines.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _shared_report(link: ShareLink, version: str | None = None) -> tuple[ClientReport, str]:
    """The linked report; with the report data `version` (dashboard.reports.cache) from the report cache."""
    query = QueryDict(mutable=True)
    query.update(sharing.clean_query(link.query))
    period, compare = client_periods(query, link.client)
    report = client_report(
        client=link.client, period=period, compare=compare, audience=AUDIENCE_SHARE, cache_version=version
    )
    return report, compare_key(compare)


@login_not_required
@never_cache
@require_GET
def share_view(request: HttpRequest, token: str) -> HttpResponse:
    """The linked client's report, read-only: no picker, no links into the app, no staff actions."""
    link, gone = _shared(request, token)
    if gone is not None:
        return gone
    client = link.client
    with in_client_context(client, language=client.language):
        # The report and the cached sections come from the report cache, as on the report page: a client's
        # contact who opens the link several times, or several contacts, cost one build per data version.
        version = report_cache.data_version()
        try:
            report, _compare = _shared_report(link, version)
        except InvalidPeriod as error:
            return _private(HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8"))
        sharing.record_view(link)
        # The logo through this link: the visitor has no login for the client's own logo URL.
        logo = logo_url(reverse("reports-share-logo", args=[token]), client.logo)
        context = {
            "client": replace(report.client, logo_url=logo),
            "report": report,
            "sections": sections.build(
                sections.SectionRequest(client, report.period, report.compare_period, AUDIENCE_SHARE),
                sections.SURFACE_PAGE,
                version=version,
            ),
            # Built only when the body is rendered, not when it comes from the fragment cache.
            "charts": lambda: charts.client_charts(report),
            # The body holds nothing of the link (no token, no links into the app): every link to the same
            # report shares one entry, apart from the report page's.
            **report_cache.body_fragment(version, client, report.period, report.compare_period, "share"),
            "plotly_locale": charts.plotly_locale(),
            "agency": AgencyBranding.get(),
            "token": token,
            "expires_at": link.expires_at,
        }
        return _private(render(request, "delivery/share.html", context))


@login_not_required
@never_cache
@require_GET
def share_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The linked report as PDF. Anyone with the link may ask, so it is bounded: at most
    REPORTS_SHARE_PDF_PER_MINUTE requests per link and minute (429 after), the same PDF from the cache while
    the data and the day are unchanged, and rendering within the process's PDF slots (503 when busy)."""
    link, gone = _shared(request, token)
    if gone is not None:
        return gone
    if count_request("share-pdf", str(link.pk), window=60) > settings.REPORTS_SHARE_PDF_PER_MINUTE:
        response = HttpResponse(
            _("This report was downloaded many times in the last minute. Please try again shortly."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(seconds_left_in_window(window=60))
        return _private(response)
    client = link.client
    parts = (link.pk, sorted(sharing.clean_query(link.query).items()), report_cache.client_parts(client),
             client_today(client).isoformat(), client.language)  # fmt: skip
    try:
        report, rendered = report_cache.get_or_compute(
            report_cache.data_version(), "share-pdf", parts, lambda: _render_shared_pdf(link)
        )
    except InvalidPeriod as error:
        return _private(HttpResponseBadRequest("\n".join(error.messages), content_type="text/plain; charset=utf-8"))
    except PdfBusy:
        return _private(too_busy_response())
    name = report_file_name(client.slug, report.period.start, report.period.end, "pdf")
    return _private(pdf_response(rendered.content, name, charts_drawn=rendered.charts_drawn))


def _render_shared_pdf(link: ShareLink) -> tuple[ClientReport, Any]:
    from dashboard.exports.pdf import render_report_pdf

    report, _compare = _shared_report(link)
    return report, render_report_pdf(client=link.client, report=report, wait=settings.REPORTS_PDF_WAIT_SECONDS)


@login_not_required
@require_safe
def share_logo(request: HttpRequest, token: str, agency: bool = False) -> HttpResponse:
    """The linked client's logo (or the agency's) for the share page, while the link works (410 after)."""
    link, gone = _shared(request, token)
    if gone is not None:
        return gone
    return logo_response(request, AgencyBranding.get().logo if agency else link.client.logo)
