"""The staff ways in: the site page's panel, the confirmation (POST, CSRF, permission), the run's page that
follows it, and the client report's "Work done by us"; every new URL as the wrong user."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from dashboard.actions.models import ActionRun
from dashboard.actions.tasks import follow_run
from kinsta_sync.models import Site
from tests.factories import assign, make_client
from tests.personas import grant

PERM = "actions.run_action"


@pytest.fixture
def runner(staff_user):
    return grant(staff_user, PERM)


@pytest.fixture
def acme_live(live_site, client_a):
    """A site synced from the fake Kinsta, assigned to Acme (so its writes reach the fake)."""
    assign([live_site], client_a)
    return live_site


def confirm_url(client, site, action="clear-cache") -> str:  # type: ignore[no-untyped-def]
    return f"/clients/{client.slug}/sites/{site.pk}/actions/{action}/"


def selected_environment(html: str) -> str | None:
    """The id of the environment the confirmation page's choice starts on, when one is preselected."""
    match = re.search(r'<option value="(\d+)" selected>', html)
    return match.group(1) if match else None


def _post(http, url, site):  # type: ignore[no-untyped-def]
    env = site.environments.get(name="live")
    return http.post(url, {"environment": str(env.pk)})


def test_staff_with_the_permission_clear_a_cache_and_follow_it(client, runner, client_a, acme_live, task_queue):
    client.force_login(runner)
    site_page = client.get(f"/clients/acme/sites/{acme_live.pk}/").content.decode()
    assert "Site actions" in site_page and confirm_url(client_a, acme_live) in site_page

    confirm = client.get(confirm_url(client_a, acme_live))
    assert confirm.status_code == 200
    assert b"Clear the site cache" in confirm.content and b"csrfmiddlewaretoken" in confirm.content

    response = _post(client, confirm_url(client_a, acme_live), acme_live)
    run = ActionRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/actions/runs/{run.pk}/"
    assert run.requested_by == runner and run.source == ActionRun.Source.WEB and run.state == "queued"
    assert [t["func"] for t in task_queue()] == ["dashboard.actions.tasks.follow_run"]

    running = client.get(f"/actions/runs/{run.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in running and "Queued" in running

    assert follow_run(run.pk) == ActionRun.State.DONE
    done = client.get(f"/actions/runs/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in done
    assert 'data-state="done"' in done and ActionRun.objects.get().operation_id in done

    # The client sees it in the report's "Work done by us".
    report = client.get("/clients/acme/?period=this_month").content.decode()
    assert "Work done by us" in report and "Cache cleared on " in report


def test_the_post_needs_the_csrf_token(runner, client_a, acme_live):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(runner)
    assert _post(http, confirm_url(client_a, acme_live), acme_live).status_code == 403
    assert ActionRun.objects.count() == 0


def test_staff_without_the_permission_are_refused_403(client, staff_user, client_a, acme_live):
    client.force_login(staff_user)
    page = client.get(f"/clients/acme/sites/{acme_live.pk}/").content.decode()
    assert "Site actions" in page and confirm_url(client_a, acme_live) not in page
    assert client.get(confirm_url(client_a, acme_live)).status_code == 403
    assert _post(client, confirm_url(client_a, acme_live), acme_live).status_code == 403
    assert ActionRun.objects.count() == 0


def test_client_users_neither_see_nor_post(client, client_a_user, client_a, acme_live):
    run = ActionRun.objects.create(
        site=acme_live, environment=acme_live.environments.get(name="live"), action="clear-cache", source="cli"
    )
    client.force_login(client_a_user)
    assert "Site actions" not in client.get(f"/clients/acme/sites/{acme_live.pk}/").content.decode()
    assert client.get(confirm_url(client_a, acme_live)).status_code == 404
    assert _post(client, confirm_url(client_a, acme_live), acme_live).status_code == 404
    assert client.get(f"/actions/runs/{run.pk}/").status_code == 404
    assert ActionRun.objects.count() == 1


def test_another_clients_site_is_404(client, runner, client_a, client_b, client_b_user, acme_live):
    client.force_login(runner)
    # Acme's site under Globex's address: not one of Globex's sites.
    assert client.get(confirm_url(client_b, acme_live)).status_code == 404
    assert _post(client, confirm_url(client_b, acme_live), acme_live).status_code == 404
    globex_site = Site.objects.get(name="globex-main")
    assert client.get(confirm_url(client_a, globex_site)).status_code == 404
    # Globex's user at Acme's address.
    client.force_login(client_b_user)
    assert client.get(confirm_url(client_a, acme_live)).status_code == 404
    assert ActionRun.objects.count() == 0


def test_each_environments_buttons_open_the_confirmation_with_that_environment_chosen(client, runner, client_a):
    shop = Site.objects.get(name="acme-shop")
    client.force_login(runner)
    page = client.get(f"/clients/acme/sites/{shop.pk}/").content.decode()

    for env in shop.environments.all():
        url = confirm_url(client_a, shop, "restart-php") + f"?environment={env.pk}"
        assert url in page, env.name
        assert selected_environment(client.get(url).content.decode()) == str(env.pk), env.name
    # Without the parameter nothing is preselected: the first choice, live, stands.
    assert selected_environment(client.get(confirm_url(client_a, shop)).content.decode()) is None


def test_another_clients_environment_id_is_not_preselected(client, runner, client_a, client_b, client_b_user):
    shop = Site.objects.get(name="acme-shop")
    globex_env = Site.objects.get(name="globex-main").environments.get(name="live")
    client.force_login(runner)

    for wanted in (str(globex_env.pk), "999999", "live"):
        response = client.get(confirm_url(client_a, shop) + f"?environment={wanted}")
        html = response.content.decode()
        assert response.status_code == 200 and selected_environment(html) is None, wanted
        assert f'<option value="{globex_env.pk}"' not in html
    assert client.post(confirm_url(client_a, shop), {"environment": str(globex_env.pk)}).status_code == 400
    # The parameter opens nothing to Globex's user either.
    client.force_login(client_b_user)
    assert client.get(confirm_url(client_a, shop) + f"?environment={globex_env.pk}").status_code == 404
    assert ActionRun.objects.count() == 0


def test_anonymous_users_are_sent_to_the_login(client, client_a, acme_live):
    run = ActionRun.objects.create(
        site=acme_live, environment=acme_live.environments.get(name="live"), action="clear-cache", source="cli"
    )
    for url in (confirm_url(client_a, acme_live), f"/actions/runs/{run.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_unknown_action_and_foreign_environment_are_refused(client, runner, client_a, acme_live):
    client.force_login(runner)
    assert client.get(confirm_url(client_a, acme_live, "delete-site")).status_code == 404
    other_env = Site.objects.get(name="acme-blog").environments.get(name="live")
    response = client.post(confirm_url(client_a, acme_live), {"environment": str(other_env.pk)})
    assert response.status_code == 400 and ActionRun.objects.count() == 0


def test_work_done_shows_only_the_clients_done_runs_in_the_period_escaped(
    client, client_a_user, client_b_user, client_a, client_b
):
    shop = Site.objects.get(name="acme-shop")
    shop.display_name = "<i>Shop</i>"
    shop.save(update_fields=["display_name"])
    finished = timezone.now() - timedelta(days=1)
    for state, action in (("done", "clear-cache"), ("failed", "restart-php"), ("done", "manual-backup")):
        ActionRun.objects.create(
            site=shop,
            environment=shop.environments.get(name="live"),
            action=action,
            source="schedule",
            state=state,
            finished_at=finished,
        )
    ActionRun.objects.filter(action="manual-backup").update(finished_at=finished - timedelta(days=60))

    client.force_login(client_a_user)
    html = client.get("/clients/acme/?period=7d").content.decode()
    assert "Cache cleared on " in html and "&lt;i&gt;Shop&lt;/i&gt;" in html and "<i>Shop</i>" not in html
    assert "PHP restarted" not in html  # failed runs are not work done
    assert "Manual backup created" not in html  # outside the period

    client.force_login(client_b_user)
    assert "Work done by us" not in client.get("/clients/globex/?period=7d").content.decode()


def test_work_done_reaches_the_pdf_and_the_email_from_what_a_send_stores(client_a):
    import json
    from datetime import date

    from django.template.loader import render_to_string

    from dashboard.reports import sections
    from dashboard.reports.periods import Period
    from dashboard.reports.selectors import AUDIENCE_EMAIL, AUDIENCE_PDF

    shop = Site.objects.get(name="acme-shop")
    ActionRun.objects.create(
        site=shop,
        environment=shop.environments.get(name="live"),
        action="clear-cache",
        source="schedule",
        state="done",
        finished_at=timezone.make_aware(timezone.datetime(2026, 11, 3, 2, 0), timezone=timezone.get_fixed_timezone(0)),
    )
    client_a.timezone = "Europe/Berlin"
    client_a.save(update_fields=["timezone"])
    november = Period(date(2026, 11, 1), date(2026, 11, 30))

    pdf = sections.build(sections.SectionRequest(client_a, november, None, AUDIENCE_PDF), sections.SURFACE_PDF)
    [part] = [part for part in pdf["end"] if part.name == "work-done"]
    html = render_to_string(part.template, {"section": part.data})
    assert "Cache cleared on 3 Nov, 03:00 · Acme Shop" in " ".join(html.split())

    stored = json.loads(
        json.dumps(sections.snapshots(sections.SectionRequest(client_a, november, None, AUDIENCE_EMAIL)))
    )
    [text] = [
        part for part in sections.from_snapshots(stored, sections.SURFACE_EMAIL_TEXT)["end"] if part.name == "work-done"
    ]
    assert "- Cache cleared on 3 Nov, 03:00 · Acme Shop" in render_to_string(text.template, {"section": text.data})
    [mail] = [
        part for part in sections.from_snapshots(stored, sections.SURFACE_EMAIL)["end"] if part.name == "work-done"
    ]
    assert "Cache cleared on 3 Nov, 03:00" in render_to_string(mail.template, {"section": mail.data})


def test_bulk_runs_an_action_on_every_site_of_the_client(client, runner, client_a, acme_live, task_queue):
    client.force_login(runner)
    report = client.get("/clients/acme/").content.decode()
    assert "Site actions on every site" in report and "/clients/acme/actions/clear-cache/" in report

    page = client.get("/clients/acme/actions/clear-cache/").content.decode()
    acme_sites = list(Site.objects.filter(assignment__client=client_a))
    assert all(site.display_name in page for site in acme_sites)

    response = client.post("/clients/acme/actions/clear-cache/", {"environment": "live"})
    assert response.status_code == 302 and response["Location"] == "/clients/acme/actions/"
    runs = ActionRun.objects.all()
    assert sorted(runs.values_list("site_id", flat=True)) == sorted(site.pk for site in acme_sites)
    assert len(task_queue()) == len(acme_sites)

    listing = client.get("/clients/acme/actions/").content.decode()
    assert 'http-equiv="refresh"' in listing and listing.count('data-state="queued"') == len(acme_sites)
    # Only the site synced from the fake can be cleared there; the others end refused (unknown to Kinsta).
    assert follow_run(runs.get(site=acme_live).pk) == ActionRun.State.DONE


def test_bulk_actions_are_not_offered_for_a_client_without_sites(client, runner):
    make_client("Empty", slug="empty")
    client.force_login(runner)
    report = client.get("/clients/empty/").content.decode()
    assert "Site actions on every site" in report and "No sites are assigned to this client yet" in report
    assert "/clients/empty/actions/clear-cache/" not in report


def test_bulk_staging_leaves_out_sites_without_staging(client, runner, client_a, task_queue):
    client.force_login(runner)
    client.post("/clients/acme/actions/restart-php/", {"environment": "staging"})
    assert list(ActionRun.objects.values_list("site__name", flat=True)) == ["acme-shop"]


def test_bulk_is_for_staff_with_the_permission_only(client, staff_user, client_a_user, client_b_user, client_a):
    from dashboard.delivery.sharing import create_share_link, share_path

    client.force_login(staff_user)
    assert "Site actions on every site" not in client.get("/clients/acme/").content.decode()
    assert client.get("/clients/acme/actions/clear-cache/").status_code == 403
    assert client.post("/clients/acme/actions/clear-cache/", {"environment": "live"}).status_code == 403
    assert client.get("/clients/acme/actions/").status_code == 200

    for user in (client_a_user, client_b_user):
        client.force_login(user)
        assert client.get("/clients/acme/actions/clear-cache/").status_code == 404
        assert client.post("/clients/acme/actions/clear-cache/", {"environment": "live"}).status_code == 404
        assert client.get("/clients/acme/actions/").status_code == 404
    assert "Site actions on every site" not in client.get("/clients/globex/").content.decode()

    client.logout()
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=staff_user)
    assert "Site actions on every site" not in client.get(share_path(link)).content.decode()
    assert ActionRun.objects.count() == 0
