"""A staff user clears a site's cache from the site page in Chromium: the panel, the confirmation (with the
environment whose button was clicked chosen), the run's page that reloads (a meta refresh, no inline script:
the CSP forbids those) until the operation has ended, and the finished action in the client's report.
Screenshots: artifacts/screenshots/actions-*.png."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from dashboard.actions.models import ActionRun
from dashboard.actions.tasks import follow_run
from kinsta_sync.models import Site
from kinsta_sync.sync import run_sync
from kinsta_sync.sync.run import STEP_SITES, STEP_VALIDATE
from tests.conftest import login_in_browser
from tests.factories import assign, make_client
from tests.personas import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_clear_a_cache_from_the_site_page(page, live_server, account, fake_app, settings, screenshot_dir):
    fake_app.operation_unknown_seconds = 0.3
    fake_app.operation_running_seconds = 0.3
    settings.ACTIONS_POLL_INTERVAL = 0.05
    run_sync(account=account, steps=(STEP_VALIDATE, STEP_SITES))
    acme = make_client("Acme Corp", slug="acme")
    # A site with staging: the staging row's button must lead to staging, not to the first choice (live).
    site = Site.objects.filter(environments__name="staging").order_by("display_name").first()
    staging = site.environments.get(name="staging")
    assign([site], acme)
    get_user_model().objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True, is_superuser=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1366, "height": 900})

    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/clients/acme/sites/{site.pk}/")
    page.wait_for_load_state("networkidle")
    panel = page.locator("section", has=page.locator("#actions-heading"))
    staging_actions = panel.get_by_role("list", name=staging.display_name, exact=True)
    assert staging_actions.get_by_role("link", name="Clear the site cache").is_visible()
    panel.screenshot(path=str(screenshot_dir / "actions-site-panel.png"))

    staging_actions.get_by_role("link", name="Clear the site cache").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Clear the site cache"
    choice = page.get_by_label("Environment")
    assert choice.input_value() == str(staging.pk)
    assert choice.locator("option:checked").inner_text() == staging.display_name
    page.screenshot(path=str(screenshot_dir / "actions-confirm.png"), full_page=True)
    page.get_by_role("button", name="Yes: Clear the site cache").click()
    page.wait_for_load_state("networkidle")

    run = ActionRun.objects.get()
    assert run.environment == staging
    assert page.url.endswith(f"/actions/runs/{run.pk}/")
    assert page.locator("[data-state]").get_attribute("data-state") == "queued"
    page.screenshot(path=str(screenshot_dir / "actions-run-queued.png"), full_page=True)

    # The worker (django-q2 in production) follows the run; the page reloads itself until it has ended.
    assert follow_run(run.pk) == ActionRun.State.DONE
    page.wait_for_selector('[data-state="done"]', timeout=10_000)
    assert "Successfully finished request" in page.locator("[data-message]").inner_text()
    page.screenshot(path=str(screenshot_dir / "actions-run-done.png"), full_page=True)

    page.goto(f"{live_server.url}/clients/acme/?period=this_month")
    page.wait_for_load_state("networkidle")
    work = page.locator("section", has=page.locator("#work-done-heading"))
    assert "Cache cleared on " in work.inner_text()
    work.screenshot(path=str(screenshot_dir / "actions-work-done.png"))
    assert not [p for p in problems if "Content Security Policy" in p], problems

    # On a phone none of the three pages scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    for name, url in (
        ("site", f"/clients/acme/sites/{site.pk}/"),
        ("confirm", f"/clients/acme/sites/{site.pk}/actions/clear-cache/"),
        ("run", f"/actions/runs/{run.pk}/"),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screenshot_dir / f"actions-{name}-390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name


def test_staff_clear_every_sites_cache_from_the_report(page, live_server, account, fake_app, settings, screenshot_dir):
    fake_app.operation_unknown_seconds = 0.2
    fake_app.operation_running_seconds = 0.2
    settings.ACTIONS_POLL_INTERVAL = 0.05
    run_sync(account=account, steps=(STEP_VALIDATE, STEP_SITES))
    acme = make_client("Acme Corp", slug="acme")
    sites = list(Site.objects.order_by("display_name")[:2])
    assign(sites, acme)
    get_user_model().objects.create_user("staff", password=STAFF_PASSWORD, is_staff=True, is_superuser=True)

    login_in_browser(page, live_server, "staff", STAFF_PASSWORD)
    page.goto(f"{live_server.url}/clients/acme/")
    page.wait_for_load_state("networkidle")
    bulk = page.locator("section", has=page.locator("#bulk-actions-heading"))
    bulk.screenshot(path=str(screenshot_dir / "actions-bulk-panel.png"))
    bulk.get_by_role("link", name="Clear the site cache").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshot_dir / "actions-bulk-confirm.png"), full_page=True)
    page.get_by_role("button", name="Yes: Clear the site cache").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/clients/acme/actions/")
    assert page.locator('[data-state="queued"]').count() == 2

    for run in ActionRun.objects.all():
        assert follow_run(run.pk) == ActionRun.State.DONE
    from playwright.sync_api import expect

    expect(page.locator('[data-state="done"]')).to_have_count(2, timeout=10_000)
    page.screenshot(path=str(screenshot_dir / "actions-client-runs.png"), full_page=True)
