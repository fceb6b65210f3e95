"""The Content-Security-Policy holds in Chromium: every page a staff member, a client user or a share link
opens draws its charts with no violation (no inline script, plotly.js from our own static files)."""

from __future__ import annotations

import pytest

from dashboard.delivery.sharing import create_share_link, share_path
from kinsta_sync.models import Site
from tests.conftest import login_in_browser
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs: every violation the browser reports is collected.
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sourceFile || ""));
});
"""


@pytest.fixture
def csp_page(page):
    page.add_init_script(COLLECT_VIOLATIONS)
    console = []
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.csp_console = console
    return page


def visit(page, url: str, *, charts: bool = False) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    if charts:
        page.wait_for_selector("#chart-visits .main-svg")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__csp") == [], url
    assert page.csp_console == [], url


def test_staff_pages_the_admin_and_a_share_link_run_under_the_policy(
    csp_page, live_server, client_a, agency_admin, unmapped_site
):
    page = csp_page
    login_in_browser(page, live_server, agency_admin.username, STAFF_PASSWORD)
    site = Site.objects.get(name="acme-shop")
    visit(page, f"{live_server.url}/")
    visit(page, f"{live_server.url}/clients/acme/?period=30d", charts=True)
    visit(page, f"{live_server.url}/clients/acme/sites/{site.pk}/", charts=True)
    visit(page, f"{live_server.url}/sync/")
    visit(page, f"{live_server.url}/clients/acme/reports/")
    for path in ("/admin/", "/admin/clients/client/", f"/admin/clients/client/{client_a.pk}/change/",
                 "/admin/kinsta_sync/site/", "/admin/clients/mappingrule/"):  # fmt: skip
        visit(page, f"{live_server.url}{path}")
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=agency_admin)
    page.context.clear_cookies()
    visit(page, f"{live_server.url}{share_path(link)}", charts=True)


def test_a_client_users_pages_run_under_the_policy(csp_page, live_server, client_a, client_a_user):
    page = csp_page
    login_in_browser(page, live_server, client_a_user.username, CLIENT_PASSWORD)
    visit(page, f"{live_server.url}/clients/acme/?period=90d", charts=True)
    visit(page, f"{live_server.url}/clients/acme/reports/")
