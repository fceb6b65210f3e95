"""The report pages through Django's test client: every view as every persona, bad periods, hostile
names, languages, "Sync now", and query counts that stay the same at 3 and at 30 sites."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from clients.models import Client
from kinsta_sync.models import Site, SyncRun
from tests.conftest import drain_task_queue
from tests.factories import add_points, assign, make_account, make_client, make_site
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD, persona_days, persona_visits

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas hash five passwords; Django's default hasher takes ~0.4 s for each one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def everyone(staff_user, client_a, client_b, client_a_user, client_b_user, other_user, unmapped_site):
    """All personas at once, keyed by name (None is the anonymous visitor)."""
    return {
        "staff": staff_user,
        "client_a_user": client_a_user,
        "client_b_user": client_b_user,
        "other_user": other_user,
        "anonymous": None,
    }


def as_(client: HttpClient, user) -> HttpClient:  # type: ignore[no-untyped-def]
    if user is not None:
        client.force_login(user)
    return client


def site_id(name: str) -> int:
    return Site.objects.get(name=name).pk


# --- Access: every view, every persona --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "location"),
    [
        ("staff", 200, None),
        ("client_a_user", 302, "/clients/acme/"),
        ("client_b_user", 302, "/clients/globex/"),
        ("other_user", 403, None),
        ("anonymous", 302, f"{LOGIN}?next=/"),
    ],
)
def test_overview_access(client, everyone, persona, status, location):
    response = as_(client, everyone[persona]).get("/")
    assert response.status_code == status
    if location:
        assert response["Location"] == location


REPORT_CASES = [
    ("staff", 200),
    ("client_a_user", 200),
    ("client_b_user", 404),
    ("other_user", 404),
]


@pytest.mark.parametrize(("persona", "status"), REPORT_CASES)
def test_client_report_access(client, everyone, persona, status):
    assert as_(client, everyone[persona]).get("/clients/acme/").status_code == status


@pytest.mark.parametrize(("persona", "status"), REPORT_CASES)
def test_site_page_access(client, everyone, persona, status):
    assert as_(client, everyone[persona]).get(f"/clients/acme/sites/{site_id('acme-shop')}/").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, everyone):
    shop = site_id("acme-shop")
    for url in ["/clients/acme/", f"/clients/acme/sites/{shop}/", "/sync/", "/sync/status.json"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next="), url
    account_id = Site.objects.get(name="acme-shop").account_id
    assert client.post(f"/sync/{account_id}/run/")["Location"].startswith(LOGIN)


def test_a_site_is_only_found_under_its_own_client(client, everyone):
    as_(client, everyone["staff"])
    # Globex's site under Acme's address, an unmapped site, a site that does not exist: all 404.
    for sid in (site_id("globex-main"), site_id("initech"), 999_999):
        assert client.get(f"/clients/acme/sites/{sid}/").status_code == 404
    assert client.get("/clients/no-such-client/").status_code == 404


def test_a_client_user_cannot_reach_another_clients_site_through_their_own_slug(client, everyone):
    as_(client, everyone["client_a_user"])
    assert client.get(f"/clients/acme/sites/{site_id('globex-main')}/").status_code == 404
    assert client.get(f"/clients/globex/sites/{site_id('globex-main')}/").status_code == 404


@pytest.mark.parametrize(("persona", "status"), [("staff", 200), ("client_a_user", 404), ("other_user", 404)])
def test_sync_pages_are_for_staff_only(client, everyone, persona, status):
    as_(client, everyone[persona])
    assert client.get("/sync/").status_code == status
    assert client.get("/sync/status.json").status_code == status


def test_client_users_keep_their_period_when_sent_to_their_report(client, everyone):
    response = as_(client, everyone["client_a_user"]).get("/?period=7d&compare=none")
    assert response["Location"] == "/clients/acme/?period=7d&compare=none"


def test_an_inactive_clients_users_see_nothing(client, everyone, client_a):
    client_a.is_active = False
    client_a.save()
    as_(client, everyone["client_a_user"])
    assert client.get("/").status_code == 403
    assert client.get("/clients/acme/").status_code == 404


def test_logging_in_lands_a_client_user_on_their_report(client, everyone):
    response = client.post(LOGIN, {"username": "alice", "password": CLIENT_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/clients/acme/"
    assert response.status_code == 200
    client.logout()
    response = client.post(LOGIN, {"username": "staff", "password": STAFF_PASSWORD}, follow=True)
    assert response.request["PATH_INFO"] == "/"
    assert b"Acme Corp" in response.content


# --- What the pages show ----------------------------------------------------------------------------------


def test_the_report_shows_the_clients_live_figures(client, everyone):
    response = as_(client, everyone["staff"]).get("/clients/acme/?period=7d&compare=none")
    assert response.status_code == 200
    report = response.context["report"]
    days = persona_days()
    week = range(len(days) - 7, len(days))
    expected = sum(persona_visits("acme-shop", i) + persona_visits("acme-blog", i) for i in week)
    assert report.kpi("visits").value == expected
    assert report.staging_totals.visits == 70
    html = response.content.decode()
    assert "Acme Shop" in html and "Acme Blog" in html
    assert "Globex" not in html and "Initech" not in html
    assert "Staging environments" in html
    assert "unique IP" in html  # the definitions
    assert 'id="chart-visits-data"' in html
    assert "js/vendor/plotly-basic.min.js" in html and "js/plotly.min.js" not in html


def test_no_data_is_shown_as_no_data_not_zero(client, everyone):
    response = as_(client, everyone["staff"]).get("/clients/acme/?period=7d")
    html = response.content.decode()
    # The personas have no CDN or disk figures at all.
    assert response.context["report"].kpi("cdn_bandwidth").value is None
    assert '<span class="nodata">no data</span>' in html


def test_a_period_without_any_data_says_so(client, everyone):
    response = as_(client, everyone["staff"]).get("/clients/acme/?start=2020-01-01&end=2020-01-31")
    assert response.status_code == 200
    assert b"No data for this period" in response.content


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-02-30&end=2026-03-01",
        "start=2026-03-10&end=2026-03-01",
        "start=2020-01-01&end=2025-01-01",
        "period=forever",
        "compare=%3Cscript%3E",
        "start=2026-01-01",
        "start=%00&end=%FF",
    ],
)
def test_bad_periods_get_a_message_and_400_never_a_500(client, everyone, query):
    as_(client, everyone["staff"])
    for url in ["/", "/clients/acme/", f"/clients/acme/sites/{site_id('acme-shop')}/"]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert b'role="alert"' in response.content
        assert b"This period cannot be shown" in response.content
        assert b"<script>" not in response.content


def test_the_overview_lists_clients_with_figures_and_warns_about_unmapped_sites(client, everyone):
    response = as_(client, everyone["staff"]).get("/")
    html = response.content.decode()
    overview = response.context["overview"]
    assert [row.name for row in overview.rows] == ["Acme Corp", "Globex"]
    assert overview.unmapped_sites == 1
    assert "1 site has no client" in html
    assert 'href="/admin/clients/unmappedsite/"' in html
    assert "/clients/acme/?period=30d&amp;compare=previous" in html
    assert "<polyline" in html  # the trend lines
    assert "Persona Agency" in html  # sync health


def test_the_overview_searches_and_sorts(client, everyone):
    as_(client, everyone["staff"])
    response = client.get("/?sort=visits&dir=desc")
    assert [row.name for row in response.context["overview"].rows] == ["Globex", "Acme Corp"]
    assert b'aria-sort="descending"' in response.content
    response = client.get("/?q=shop.acme")
    assert [row.name for row in response.context["overview"].rows] == ["Acme Corp"]
    assert b"1 of 2 client matches" in response.content
    # Unknown sort keys and over-long searches fall back to the defaults rather than failing.
    response = client.get("/?sort=drop+table&dir=sideways&q=" + "x" * 500)
    assert response.status_code == 200
    assert [row.name for row in response.context["overview"].rows] == ["Acme Corp", "Globex"]


def test_the_site_page_shows_environments_and_versions(client, everyone):
    shop = Site.objects.get(name="acme-shop")
    live = shop.environments.get(is_live=True)
    live.php_version, live.wordpress_version = "8.3", "6.7.1"
    live.save()
    response = as_(client, everyone["client_a_user"]).get(f"/clients/acme/sites/{shop.pk}/")
    html = response.content.decode()
    for text in ("shop.acme.com", "stg-acmeshop.kinsta.cloud", "8.3", "6.7.1", "Acme", "Region"):
        assert text in html, text
    assert [env.name for env in response.context["site"].environments] == ["live", "staging"]


HOSTILE = ["<script>alert(1)</script>", '=HYPERLINK("http://evil.example","x")', '"><img src=x onerror=alert(2)>']


def test_hostile_names_from_kinsta_are_escaped_everywhere(client, everyone, client_a):
    account = Site.objects.get(name="acme-shop").account
    for i, name in enumerate(HOSTILE):
        site = make_site(account, name=f"evil-{i}", display_name=name, labels=[name], domains=[f"evil{i}.example"])
        add_points(site.live, metric="visits", days={persona_days()[-1]: 5})
        assign([site], client_a)
    SyncRun.objects.create(account=account, trigger="schedule", status="failed", finished_at=timezone.now(),
                           errors=[{"step": "sites", "message": HOSTILE[0], "endpoint": HOSTILE[2]}])  # fmt: skip
    as_(client, everyone["staff"])
    pages = [
        "/",
        "/?q=%3Cscript",
        "/clients/acme/",
        f"/clients/acme/sites/{Site.objects.get(name='evil-0').pk}/",
        "/sync/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "<img src=x" not in html, url
    report = client.get("/clients/acme/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)" in report
    # Inside json_script, escaped twice: for plotly (chart_parts.plotly_text) and for the script element.
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in report


# --- Languages and time zones -----------------------------------------------------------------------------


def test_client_users_see_their_clients_language(client, everyone):
    response = as_(client, everyone["client_b_user"]).get("/clients/globex/")
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert response["Content-Language"] == "de"
    assert "Besuche" in html
    assert "Was die Zahlen bedeuten" in html
    # German number formatting: 150.890 visits rather than 150,890.
    visits = response.context["report"].kpi("visits").value
    assert f"{visits:,}".replace(",", ".") in html


def test_staff_see_their_own_language_choice(client, everyone):
    as_(client, everyone["staff"])
    assert '<html lang="en">' in client.get("/clients/globex/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/clients/globex/"})
    assert response.status_code == 302
    html = client.get("/clients/globex/").content.decode()
    assert '<html lang="de">' in html
    assert "Besuche" in html
    # A client user's page stays in the client's language whatever the browser says.
    client.logout()
    as_(client, everyone["client_a_user"])
    assert '<html lang="en">' in client.get("/clients/acme/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


# --- Sync now ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_task_queue(task_queue):
    """Sync-now tests read the broker's queue (the ORM, or Redis in CI's PostgreSQL run)."""


def queued() -> list[dict]:
    return drain_task_queue()


def test_sync_now_queues_a_sync_of_the_account(client, everyone):
    account = Site.objects.get(name="acme-shop").account
    as_(client, everyone["staff"])
    before = SyncRun.objects.create(account=account, trigger="schedule", status="success", finished_at=timezone.now())
    response = client.post(f"/sync/{account.pk}/run/", follow=True)
    # The page is told which run to wait for: the account's next one after `before`.
    assert response.redirect_chain[0] == (f"/sync/?queued={account.pk}&after={before.pk}", 302)
    assert b"is queued" in response.content
    html = response.content.decode()
    assert f'data-queued-account="{account.pk}" data-queued-after="{before.pk}"' in html
    assert "data-queued>" in html
    (task,) = queued()
    assert task["func"] == "kinsta_sync.tasks.sync_account"
    assert task["args"] == (account.pk, "all", SyncRun.Trigger.ADMIN)


def test_the_sync_page_stops_waiting_once_the_queued_run_started_or_ended(client, everyone):
    account = Site.objects.get(name="acme-shop").account
    as_(client, everyone["staff"])
    url = f"/sync/?queued={account.pk}&after=0"
    assert "data-queued-account" in client.get(url).content.decode()
    SyncRun.objects.create(account=account, trigger="admin", status="success", finished_at=timezone.now())
    html = client.get(url).content.decode()
    assert "data-queued-account" not in html and "data-queued>" not in html
    assert "data-queued-account" not in client.get("/sync/?queued=x&after=").content.decode()


def test_sync_now_does_not_queue_while_a_run_is_going(client, everyone):
    account = Site.objects.get(name="acme-shop").account
    SyncRun.objects.create(account=account, trigger="schedule", current_step="analytics", progress_done=2,
                           progress_total=8)  # fmt: skip
    # A run in progress holds its account's lease (kinsta_sync.sync.claim_lease).
    type(account).objects.filter(pk=account.pk).update(sync_lease_until=timezone.now() + timedelta(minutes=5))
    as_(client, everyone["staff"])
    response = client.post(f"/sync/{account.pk}/run/", follow=True)
    assert b"already running" in response.content
    assert queued() == []


def test_sync_now_is_not_blocked_by_a_dead_run_whose_lease_expired(client, everyone):
    account = Site.objects.get(name="acme-shop").account
    SyncRun.objects.create(account=account, trigger="schedule", current_step="analytics")  # its process was killed
    type(account).objects.filter(pk=account.pk).update(sync_lease_until=timezone.now() - timedelta(minutes=1))
    as_(client, everyone["staff"])
    response = client.post(f"/sync/{account.pk}/run/", follow=True)
    assert b"is queued" in response.content
    assert [task["func"] for task in queued()] == ["kinsta_sync.tasks.sync_account"]


def test_sync_now_needs_a_post_with_csrf_from_staff(everyone):
    account = Site.objects.get(name="acme-shop").account
    url = f"/sync/{account.pk}/run/"
    strict = as_(HttpClient(enforce_csrf_checks=True), everyone["staff"])
    assert strict.post(url).status_code == 403
    assert strict.get(url).status_code == 405
    assert as_(HttpClient(), everyone["client_a_user"]).post(url).status_code == 404
    assert as_(HttpClient(), everyone["staff"]).post("/sync/999999/run/").status_code == 404
    assert queued() == []


def test_the_sync_page_shows_runs_and_a_running_runs_progress(client, everyone):
    account = Site.objects.get(name="acme-shop").account
    SyncRun.objects.create(account=account, trigger="schedule", status="partial", finished_at=timezone.now(),
                           requests=321, throttled=4, retries=5, counts={"sites": {"created": 3, "updated": 1}},
                           errors=[{"step": "analytics", "endpoint": "GET /sites/environments/x/analytics/visits",
                                    "message": "HTTP 500"}])  # fmt: skip
    running = SyncRun.objects.create(account=account, trigger="admin", current_step="analytics", progress_done=3,
                                     progress_total=12)  # fmt: skip
    type(account).objects.filter(pk=account.pk).update(sync_lease_until=timezone.now() + timedelta(seconds=45))
    as_(client, everyone["staff"])
    html = client.get("/sync/").content.decode()
    for text in ("Partial", "321", "HTTP 500", "created 3", "data-running", 'value="3"', 'max="12"', "analytics"):
        assert text in html, text
    assert "disabled" in html  # no second "Sync now" while one runs
    status = client.get("/sync/status.json").json()
    assert status["running"] is True
    (entry,) = status["accounts"]
    assert entry["running"] == {"id": running.pk, "step": "analytics", "done": 3, "total": 12, "percent": 25}


# --- Query counts -----------------------------------------------------------------------------------------


def _agency_with(sites: int):  # type: ignore[no-untyped-def]
    account = make_account(name="Scale")
    clients = [make_client(f"Scale {i}") for i in range(3)]
    days = persona_days()[-35:]
    for i in range(sites):
        site = make_site(account, name=f"scale-{i}", labels=["L1", "L2"], staging=i % 2 == 0)
        add_points(site.live, metric="visits", days=dict.fromkeys(days, 10))
        add_points(site.live, metric="disk_usage", days=dict.fromkeys(days, 1000))
        assign([site], clients[i % 3])
    SyncRun.objects.create(account=account, trigger="schedule", status="success", finished_at=timezone.now())
    return clients


# Each page twice: cold (nothing cached: the first request after the data version changed) and warm (the
# report data and the page's body come from the cache, dashboard.reports.cache). Both counts stay the same at 3 and
# at 30 sites. "version" is dashboard.reports.cache.data_version(), one query on every report request;
# "branding" the agency's name and logo in the layout's header (dashboard.context_processors), one on every page.


@pytest.mark.parametrize("sites", [3, 30])
def test_overview_queries_do_not_grow_with_sites(client, staff_user, sites, django_assert_num_queries):
    _agency_with(sites)
    as_(client, staff_user)
    # session, user, version, clients, sums, visits per day, disk, unmapped count, accounts, runs, branding,
    # the traffic app's "5xx share" column (dashboard.traffic) and the "Needs attention" column's two
    # (dashboard.maintenance: plugin counts, stale backups)
    with django_assert_num_queries(14):
        cold = client.get("/")
    # session, user, version, clients (names and site counts stay live), accounts, runs (sync health is live), branding
    # (the "5xx share" column is part of the cached table)
    with django_assert_num_queries(7):
        warm = client.get("/")
    assert cold.status_code == warm.status_code == 200
    assert _body(warm) == _body(cold)


@pytest.mark.parametrize("sites", [3, 30])
def test_report_queries_do_not_grow_with_sites(client, staff_user, sites, django_assert_num_queries):
    scale = _agency_with(sites)[0]
    as_(client, staff_user)
    # session, user, client, version, then the report's 6, branding, the staff user's permissions (user
    # and group permissions: which actions the page offers), and the sections (outside the cache): "work
    # done" (dashboard.actions) 1, the traffic section's 2, the maintenance section's environments and the
    # agency's note 2 (dashboard.maintenance stops there while nothing of it is synced), the plan usage
    # section's quota (dashboard.usage) 1
    with django_assert_num_queries(19):
        cold = client.get(f"/clients/{scale.slug}/")
    # session, user, client, version, branding, the permissions, work done 1, the note 1, quota 1 (traffic
    # and maintenance are cached sections: from the report cache)
    with django_assert_num_queries(10):
        warm = client.get(f"/clients/{scale.slug}/")
    assert cold.status_code == warm.status_code == 200
    assert _body(warm) == _body(cold)


@pytest.mark.parametrize("sites", [3, 30])
def test_report_queries_for_a_client_user(client, sites, django_assert_num_queries):
    from tests.factories import make_member, make_user

    scale = _agency_with(sites)[0]
    user = make_user("scaler", password=CLIENT_PASSWORD)
    make_member(user, scale)
    as_(client, user)
    # session, user, client, membership, version, then the report's 6, branding, work done 1, traffic 2,
    # maintenance 2, quota 1
    with django_assert_num_queries(18):
        cold = client.get(f"/clients/{scale.slug}/")
    # session, user, client, membership (the access check runs before any cache read), version, branding,
    # work done 1, the note 1, quota 1
    with django_assert_num_queries(9):
        warm = client.get(f"/clients/{scale.slug}/")
    assert cold.status_code == warm.status_code == 200
    assert _body(warm) == _body(cold)


@pytest.mark.parametrize("sites", [3, 30])
def test_site_page_queries_do_not_grow_with_sites(client, staff_user, sites, django_assert_num_queries):
    scale = _agency_with(sites)[0]
    first = Client.objects.get(pk=scale.pk).site_assignments.first().site_id
    as_(client, staff_user)
    # session, user, client, version, environments, labels, points, comparison sums and days, branding, the
    # staff panel of site actions (dashboard.actions): the site's runs, its schedules and the user's
    # permissions (2), the traffic section's 2 and the maintenance section's environments
    with django_assert_num_queries(17):
        cold = client.get(f"/clients/{scale.slug}/sites/{first}/")
    # session, user, client, version, branding, the actions panel (runs, schedules, permissions 2); traffic
    # and maintenance from the report cache
    with django_assert_num_queries(9):
        warm = client.get(f"/clients/{scale.slug}/sites/{first}/")
    assert cold.status_code == warm.status_code == 200
    assert _body(warm) == _body(cold)


def _body(response) -> str:  # type: ignore[no-untyped-def]
    """The page without its CSRF tokens (a fresh one per response); the rest must be the same, cached or not."""
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
