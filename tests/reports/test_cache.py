"""The report cache (dashboard.reports.cache): what makes a cached report change, that nothing is cached while a sync
writes, and that a client user never gets another client's cached report.

Every test starts with an empty in-process cache (tests/conftest.py). A cached page is recognised by its
query count: a report page served from the cache runs 4 queries (session, user, client, data version), plus the
layout's branding, permissions and the sections' own, built outside the cache (WARM below).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.assignment import assign_sites, unassign_sites
from clients.mapping import apply_mapping_rules
from clients.models import Client, MappingRule
from dashboard.reports.cache import data_version
from dashboard.reports.periods import Period
from dashboard.reports.selectors import client_report
from dashboard.reports.templatetags.reports import format_count
from kinsta_sync.models import ActivityLogEntry, KinstaAccount, Site, SyncRun, today_utc
from kinsta_sync.sync import DAILY_STEPS, claim_lease, release_lease, run_sync
from tests.factories import make_account, make_member, make_user
from tests.personas import CLIENT_PASSWORD

pytestmark = pytest.mark.django_db

# The report page's queries for staff: cold (nothing cached) and warm (data and body from the cache); both
# include the agency's branding for the layout's header (dashboard.context_processors) and the two that read
# the staff user's permissions (which actions the page offers), and the sections, built outside the page's
# fragment cache: "work done" (dashboard.actions) 1, the traffic section (dashboard.traffic) 2, the
# maintenance section's environments and the agency's note for the period (dashboard.maintenance; the
# maintenance section stops after one query while nothing of it is synced) 2, and the plan usage section's
# quota lookup (dashboard.usage) 1. The traffic and maintenance sections are `cached` (synced data only): a
# warm page reads them from the report cache.
COLD, WARM = 19, 10
# A client user's warm page: session, user, client, version, branding, the membership (no permissions),
# work done 1, the note 1, quota 1.
CLIENT_WARM = 9
# After a sync of the fake the maintenance section has data: three more queries on a cold page (its plugins,
# updates and backups), whatever the number of sites (tests/maintenance/test_queries.py); none on a warm one.
SYNCED_COLD, SYNCED_WARM = COLD + 3, WARM


def get(http, url: str):  # type: ignore[no-untyped-def]
    """GET `url`; returns the response and the number of queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    return response, len(queries.captured_queries)


def visits_kpi(visits: int) -> str:
    """The visits figure as the report's first key figure shows it."""
    return f'<p class="kpi-value">{format_count(visits)}</p>'


# --- What changes a cached report -------------------------------------------------------------------------


def test_a_cached_report_changes_when_a_sync_brings_new_figures(client, staff_user, account, agency):
    run_sync(account=account)
    acme = Client.objects.create(name="Acme", slug="acme")
    assign_sites(sites=Site.objects.all(), client=acme)
    client.force_login(staff_user)
    url = "/clients/acme/"

    first, cold = get(client, url)
    again, warm = get(client, url)
    assert (cold, warm) == (SYNCED_COLD, SYNCED_WARM)
    before = first.context["report"].kpi("visits").value
    assert visits_kpi(before) in again.content.decode()

    # Kinsta revises yesterday's visits of one live environment; the next sync fetches the last days again.
    yesterday = today_utc() - timedelta(days=1)
    env = agency.live_environments()[0]
    series = agency._series[env.id].values["visits"]
    series[yesterday] = series.get(yesterday, 0) + 12_345
    assert run_sync(account=account, steps=DAILY_STEPS).status == SyncRun.Status.SUCCESS

    after, queries = get(client, url)
    assert queries == SYNCED_COLD
    assert after.context["report"].kpi("visits").value == before + 12_345
    html = after.content.decode()
    assert visits_kpi(before + 12_345) in html
    assert visits_kpi(before) not in html


def test_nothing_is_cached_while_a_sync_is_running(client, staff_user, account):
    run_sync(account=account)
    acme = Client.objects.create(name="Acme", slug="acme")
    assign_sites(sites=Site.objects.all(), client=acme)
    client.force_login(staff_user)
    during: list[tuple[str | None, int, int]] = []

    def progress(run: SyncRun) -> None:
        # Called by the sync as it goes, between writes: what a visitor would get at that moment.
        if run.status == SyncRun.Status.RUNNING and len(during) < 3:
            response, queries = get(client, "/clients/acme/")
            during.append((data_version(), queries, response.status_code))

    run_sync(account=account, progress=progress)

    assert len(during) >= 2
    # No version while rows are being written, so every request reads the database and stores nothing.
    assert during == [(None, SYNCED_COLD, 200)] * len(during)
    assert [get(client, "/clients/acme/")[1] for _ in range(2)] == [SYNCED_COLD, SYNCED_WARM]


def test_a_running_run_turns_the_cache_off_only_while_its_lease_is_held():
    account = make_account()
    before = data_version()
    assert before is not None

    token = claim_lease(account)
    run = SyncRun.objects.create(account=account, trigger=SyncRun.Trigger.MANUAL)
    assert data_version() is None

    # A worker killed mid-sync: the run stays 'running', its lease lapses. Caching resumes under a new version.
    KinstaAccount.objects.filter(pk=account.pk).update(sync_lease_until=timezone.now() - timedelta(seconds=1))
    stale = data_version()
    assert stale not in (None, before)

    # The run ends after all (or another sync takes the lease and ends): the version moves on again.
    run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
    run.save()
    release_lease(account, token)
    assert data_version() not in (None, before, stale)


def test_a_reassigned_site_moves_between_cached_reports_and_overview(client, staff_user, client_a, client_b):
    client.force_login(staff_user)
    blog = Site.objects.get(name="acme-blog")
    for url in ("/clients/acme/", "/clients/globex/", "/"):
        get(client, url)  # cold: fills the cache
    assert "Acme Blog" in get(client, "/clients/acme/")[0].content.decode()
    globex_visits = get(client, "/")[0].context["overview"].rows[1].totals.visits

    assign_sites(sites=[blog], client=client_b)

    acme, queries = get(client, "/clients/acme/")
    assert queries == COLD
    assert "Acme Blog" not in acme.content.decode()
    assert "Acme Blog" in get(client, "/clients/globex/")[0].content.decode()
    (_acme_row, globex_row) = get(client, "/")[0].context["overview"].rows
    assert globex_row.totals.visits > globex_visits

    unassign_sites(sites=[blog])

    assert "Acme Blog" not in get(client, "/clients/globex/")[0].content.decode()
    assert get(client, "/")[0].context["overview"].rows[1].totals.visits == globex_visits


def test_sites_mapped_by_rules_in_bulk_appear_in_the_cached_report_and_overview(
    client, staff_user, client_a, unmapped_site
):
    client.force_login(staff_user)
    assert "Initech" not in get(client, "/clients/acme/")[0].content.decode()
    for _ in range(2):  # the second time from the cache, unmapped-site count included
        assert "1 site has no client" in get(client, "/")[0].content.decode()

    MappingRule.objects.create(client=client_a, kind=MappingRule.Kind.NAME, pattern="initech")
    assert len(apply_mapping_rules().assignments) == 1

    assert "Initech" in get(client, "/clients/acme/")[0].content.decode()
    assert "has no client" not in get(client, "/")[0].content.decode()


def test_the_clients_language_applies_to_a_cached_report_at_once(client, client_a_user, client_a):
    client.force_login(client_a_user)
    get(client, "/clients/acme/")
    english, queries = get(client, "/clients/acme/")
    assert queries == CLIENT_WARM  # a client user's access check reads the membership
    assert "What the figures mean" in english.content.decode()

    client_a.language = "de"
    client_a.save()

    german = get(client, "/clients/acme/")[0].content.decode()
    assert "Was die Zahlen bedeuten" in german
    assert "What the figures mean" not in german


def test_the_clients_time_zone_applies_to_a_cached_report_at_once(client, staff_user, client_a):
    """An action at 05:00 UTC on the period's first day was the evening before in Los Angeles."""
    client.force_login(staff_user)
    start = today_utc() - timedelta(days=10)
    period = Period(start, start + timedelta(days=6))
    url = f"/clients/acme/?start={period.start}&end={period.end}&compare=none"
    shop = Site.objects.get(name="acme-shop")
    ActivityLogEntry.objects.create(
        account=shop.account, site=shop, kinsta_id=1, type="clearCache", description="Early cache clear",
        occurred_at=datetime.combine(period.start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=5),
    )  # fmt: skip
    get(client, url)
    assert "Early cache clear" in get(client, url)[0].content.decode()

    client_a.timezone = "America/Los_Angeles"
    client_a.save()

    assert "Early cache clear" not in get(client, url)[0].content.decode()


def test_a_renamed_client_shows_its_new_name_on_cached_pages(client, staff_user, client_a):
    client.force_login(staff_user)
    for url in ("/", "/clients/acme/", "/", "/clients/acme/"):
        get(client, url)

    # Even a write that skips updated_at (a queryset update): names are read live, not from the cache.
    Client.objects.filter(pk=client_a.pk).update(name="Acme Renamed")

    assert "Acme Renamed" in get(client, "/")[0].content.decode()
    report, queries = get(client, "/clients/acme/")
    assert queries == WARM
    assert "Acme Renamed" in report.content.decode()


def test_a_cached_report_is_generated_now_for_exports(client_a):
    period = Period(today_utc() - timedelta(days=7), today_utc() - timedelta(days=1))
    version = data_version()
    first = client_report(audience="staff", client=client_a, period=period, compare=None, cache_version=version)
    with CaptureQueriesContext(connection) as queries:
        second = client_report(audience="staff", client=client_a, period=period, compare=None, cache_version=version)
    assert len(queries.captured_queries) == 0
    assert second.kpis == first.kpis
    assert second.generated_at > first.generated_at


# --- Who gets which cached page ---------------------------------------------------------------------------


def test_a_client_user_never_gets_another_clients_cached_report(
    client, staff_user, client_a, client_b, client_a_user, client_b_user
):
    # The same settings timestamp and time zone for both clients: only the client's own id tells them apart.
    Client.objects.update(updated_at=timezone.now(), timezone="UTC")
    acme_shop = Site.objects.get(name="acme-shop").pk
    urls = ["/clients/acme/", f"/clients/acme/sites/{acme_shop}/", "/clients/globex/"]
    client.force_login(staff_user)
    for url in urls * 2:
        assert client.get(url).status_code == 200
    client.force_login(client_a_user)
    assert get(client, "/clients/acme/")[0].status_code == 200  # cached for a client user of Acme

    client.force_login(client_b_user)
    assert client.get("/clients/acme/").status_code == 404
    assert client.get(f"/clients/acme/sites/{acme_shop}/").status_code == 404
    assert client.get(f"/clients/globex/sites/{acme_shop}/").status_code == 404
    for _ in range(2):
        globex = client.get("/clients/globex/").content.decode()
        assert "Globex" in globex
        assert "Acme Shop" not in globex
        assert "Acme Blog" not in globex


def test_staff_and_client_users_get_their_own_language_from_the_cache(client, staff_user, client_a, client_a_user):
    client.force_login(staff_user)
    client.post("/i18n/setlang/", {"language": "de", "next": "/clients/acme/"})
    for _ in range(2):
        assert "Was die Zahlen bedeuten" in client.get("/clients/acme/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/clients/acme/"})
    assert "What the figures mean" in client.get("/clients/acme/").content.decode()

    other = type(client)()
    other.force_login(client_a_user)
    for _ in range(2):
        english = other.get("/clients/acme/").content.decode()
        assert "What the figures mean" in english
        assert "Was die Zahlen bedeuten" not in english


def test_report_data_cached_for_staff_serves_a_client_user_who_sees_everything_too(client, staff_user, client_a):
    # Staff see the whole activity log; a client that is shown everything too gets the same data.
    client_a.activity_shown_to_client = "all"
    client_a.save()
    client.force_login(staff_user)
    staff_html = [client.get("/clients/acme/").content.decode() for _ in range(2)][1]
    user = make_user("carol", password=CLIENT_PASSWORD)
    make_member(user, client_a)
    client.force_login(user)
    response, queries = get(client, "/clients/acme/")
    # The same client's data, from the cache (no report queries); the page body is rendered for a client user.
    assert queries == CLIENT_WARM
    assert "Acme Shop" in staff_html
    assert "Acme Shop" in response.content.decode()


def test_cached_page_bodies_hold_no_csrf_token_or_form(client, staff_user, client_a):
    from django.core.cache import cache

    client.force_login(staff_user)
    site = Site.objects.get(name="acme-shop").pk
    for url in ("/", "/clients/acme/", f"/clients/acme/sites/{site}/"):
        page = client.get(url).content.decode()
        assert "csrfmiddlewaretoken" in page  # the page has forms (log out, exports), its cached body must not
    # LocMemCache's own keys are ":<version>:<key>"; the rendered fragments are the str values.
    values = [cache.get(stored.split(":", 2)[2]) for stored in list(cache._cache)]
    fragments = [value for value in values if isinstance(value, str)]
    assert len(fragments) == 3
    for html in fragments:
        assert "csrfmiddlewaretoken" not in html
        assert "<form" not in html


def test_clearing_the_redis_cache_leaves_the_task_queue_alone(task_queue):
    """With REDIS_URL, the cache lives in another Redis database than django-q2's queue (dashboard.settings)."""
    from django.core.cache.backends.redis import RedisCache
    from django_q.brokers import get_broker

    from dashboard import settings as project

    if not project.REDIS_URL:
        pytest.skip("REDIS_URL is not set (the PostgreSQL run of .ci/run sets it)")
    configured = project.CACHES["default"]  # the test settings swap in a LocMemCache; this is the real one
    redis_cache = RedisCache(configured["LOCATION"], {"KEY_PREFIX": "agency-reports-test"})
    broker = get_broker()
    broker.enqueue("a queued task")
    redis_cache.set("report", "cached")

    redis_cache.clear()

    assert redis_cache.get("report") is None
    assert broker.queue_size() == 1
