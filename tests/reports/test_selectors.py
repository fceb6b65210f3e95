"""Report selectors: live-only totals, disk as the latest reading, gaps as None, comparisons, activity,
the agency overview, sync health, and a query count that does not grow with the number of sites."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from clients.models import Client
from dashboard.reports.periods import Period, comparison_period
from dashboard.reports.selectors import (
    ACTIVITY_LIMIT,
    account_health,
    agency_overview,
    client_report,
    site_report,
    sync_page,
    sync_target,
)
from kinsta_sync.models import ActivityLogEntry, KinstaAccount, SyncRun
from tests.factories import add_points, assign, make_account, make_client, make_site

pytestmark = pytest.mark.django_db

D = date(2026, 3, 1)
PERIOD = Period(D, D + timedelta(days=6))  # 1-7 March
PREVIOUS = comparison_period(PERIOD, "previous")  # 22-28 February


def days(start: date, values: list[int | None]) -> dict[date, int]:
    return {start + timedelta(days=i): v for i, v in enumerate(values) if v is not None}


@pytest.fixture
def account():
    return make_account()


@pytest.fixture
def acme(account):
    """Two live sites (one with staging) with known figures, a gap, disk readings and a comparison week."""
    client = make_client("Acme", slug="acme", timezone="Europe/Berlin")
    shop = make_site(account, name="shop", display_name="Shop", labels=["Acme", "VIP"], staging=True)
    blog = make_site(account, name="blog", display_name="Blog")
    add_points(shop.live, metric="visits", days=days(D, [100, 110, None, 130, 140, 150, 160]))
    add_points(shop.live, metric="bandwidth", days=days(D, [1000] * 7))
    add_points(shop.live, metric="disk_usage", days=days(D, [500, 510, 520, 530, 540, None, None]))
    add_points(shop.staging, metric="visits", days=days(D, [5] * 7))
    add_points(shop.staging, metric="disk_usage", days=days(D, [50] * 7))
    add_points(blog.live, metric="visits", days=days(D, [10, 10, None, 10, 10, 10, 10]))
    add_points(blog.live, metric="disk_usage", days=days(D, [200] * 7))
    # The week before: 700 visits for the shop, 70 for the blog, disk read 400 then 450.
    add_points(shop.live, metric="visits", days=days(PREVIOUS.start, [100] * 7))
    add_points(blog.live, metric="visits", days=days(PREVIOUS.start, [10] * 7))
    add_points(shop.live, metric="disk_usage", days=days(PREVIOUS.start, [400] * 6 + [450]))
    # Outside both periods: must not count.
    add_points(
        shop.live, metric="visits", days={D + timedelta(days=7): 99999, PREVIOUS.start - timedelta(days=1): 99999}
    )
    assign([shop, blog], client)
    client.shop, client.blog = shop, blog
    return client


def test_totals_count_live_environments_only(acme):
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=None)
    visits = report.kpi("visits")
    assert visits.value == (100 + 110 + 130 + 140 + 150 + 160) + 60
    assert report.live_totals.bandwidth == 7000
    assert report.staging_totals.visits == 35
    assert report.staging_totals.disk_usage == 50
    assert [site.display_name for site in report.sites] == ["Blog", "Shop"]
    shop = report.sites[1]
    assert shop.labels == ("Acme", "VIP")
    assert shop.totals.visits == 790
    assert [env.name for env in shop.staging] == ["staging"]


def test_disk_is_the_latest_reading_per_site_not_a_sum(acme):
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=PREVIOUS)
    shop, blog = report.sites[1], report.sites[0]
    assert shop.totals.disk_usage == 540  # the last day with a reading (days 6-7 have none)
    assert blog.totals.disk_usage == 200
    disk = report.kpi("disk_usage")
    assert disk.value == 740
    assert disk.previous == 450  # the shop's last reading of the comparison week; the blog had none
    assert shop.previous.disk_usage == 450
    assert blog.previous.disk_usage is None


def test_days_without_data_are_gaps_not_zero(acme):
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=None)
    shop = report.sites[1]
    assert shop.live.daily["visits"][2] is None
    assert report.live_daily["visits"][2] is None  # neither live site has the 3rd
    assert report.live_daily["visits"][3] == 140
    assert report.kpi("visits").days_with_data == 6
    assert not report.kpi("visits").complete
    assert report.kpi("cdn_bandwidth").value is None
    assert report.live_daily["cdn_bandwidth"] == (None,) * 7
    assert shop.live.days_with_data["disk_usage"] == 5


def test_changes_against_the_comparison_period(acme):
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=PREVIOUS)
    visits = report.kpi("visits")
    assert visits.previous == 770
    assert visits.change == pytest.approx((850 - 770) / 770)
    assert report.kpi("bandwidth").change is None  # no bandwidth in the comparison week
    assert report.compare_days[0] == PREVIOUS.start
    assert report.compare_live_daily["visits"] == (110,) * 7
    shop = report.sites[1]
    assert shop.live.visits_change == pytest.approx((790 - 700) / 700)


def test_without_comparison_there_are_no_previous_figures(acme):
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=None)
    assert report.kpi("visits").previous is None
    assert report.kpi("visits").change is None
    assert not report.kpi("visits").compared
    assert report.compare_live_daily == {}


def test_a_client_without_sites_has_an_empty_report(account):
    client = make_client("Empty")
    report = client_report(audience="staff", client=client, period=PERIOD, compare=PREVIOUS)
    assert report.sites == ()
    assert report.kpi("visits").value is None
    assert not report.has_data


def test_other_clients_sites_and_unmapped_sites_are_not_in_a_report(acme, account):
    other = make_client("Other")
    theirs = make_site(account, name="theirs")
    add_points(theirs.live, metric="visits", days=days(D, [1000] * 7))
    assign([theirs], other)
    unmapped = make_site(account, name="unmapped")
    add_points(unmapped.live, metric="visits", days=days(D, [1000] * 7))
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=None)
    assert {site.name for site in report.sites} == {"shop", "blog"}
    assert report.kpi("visits").value == 850


def test_removed_sites_keep_their_history_in_the_report(acme):
    acme.blog.removed_at = timezone.now()
    acme.blog.save(update_fields=["removed_at"])
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=None)
    assert report.sites[0].removed_at is not None
    assert report.kpi("visits").value == 850


def _activity(account, site, *, at: datetime, kinsta_id: int, **fields):  # type: ignore[no-untyped-def]
    return ActivityLogEntry.objects.create(
        account=account, site=site, kinsta_id=kinsta_id, occurred_at=at, type="clearCache", **fields
    )


def test_activity_of_the_period_in_the_clients_time_zone(acme, account):
    # Berlin is UTC+1 in March: 23:30 UTC on 28 February is already 1 March there, 23:30 UTC on 7 March is 8 March.
    _activity(account, acme.shop, at=datetime(2026, 2, 28, 23, 30, tzinfo=UTC), kinsta_id=1, description="First")
    _activity(account, acme.blog, at=datetime(2026, 3, 4, 12, 0, tzinfo=UTC), kinsta_id=2, has_failed=True,
              public_error="Boom", initiated_by_name="Jane")  # fmt: skip
    _activity(account, acme.shop, at=datetime(2026, 3, 7, 23, 30, tzinfo=UTC), kinsta_id=3, description="Too late")
    _activity(account, None, at=datetime(2026, 3, 4, 12, 0, tzinfo=UTC), kinsta_id=4, description="Company-wide")
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=None)
    assert [entry.description for entry in report.activity] == ["", "First"]
    failed = report.activity[0]
    assert (failed.has_failed, failed.public_error, failed.who, failed.site_name) == (True, "Boom", "Jane", "Blog")
    assert not report.activity_truncated


def test_activity_is_capped_and_says_so(acme, account):
    at = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    ActivityLogEntry.objects.bulk_create(
        ActivityLogEntry(account=account, site=acme.shop, kinsta_id=i, occurred_at=at - timedelta(minutes=i), type="x")
        for i in range(ACTIVITY_LIMIT + 5)
    )
    report = client_report(audience="staff", client=acme, period=PERIOD, compare=None)
    assert len(report.activity) == ACTIVITY_LIMIT
    assert report.activity_truncated
    assert report.activity[0].occurred_at == at


def test_site_report_has_every_environment_and_only_the_clients_sites(acme, account):
    report = site_report(client=acme, site_id=acme.shop.pk, period=PERIOD, compare=PREVIOUS)
    assert [env.name for env in report.site.environments] == ["live", "staging"]
    assert report.kpi("visits").value == 790
    assert report.staging_totals.visits == 35
    other = make_client("Other")
    assert site_report(client=other, site_id=acme.shop.pk, period=PERIOD, compare=None) is None
    assert site_report(client=acme, site_id=999_999, period=PERIOD, compare=None) is None


def _agency(account, *, clients: int, sites_per_client: int):  # type: ignore[no-untyped-def]
    made = []
    for c in range(clients):
        client = make_client(f"Client {c:02d}")
        sites = []
        for s in range(sites_per_client):
            site = make_site(account, name=f"c{c}-s{s}", labels=["L"], staging=s % 2 == 0)
            add_points(site.live, metric="visits", days=days(D, [s + 1] * 7))
            add_points(site.live, metric="disk_usage", days=days(D, [100] * 7))
            if site.staging is not None:
                add_points(site.staging, metric="visits", days=days(D, [1] * 7))
            sites.append(site)
        assign(sites, client)
        made.append(client)
    return made


@pytest.mark.parametrize("sites", [3, 30])
def test_the_report_runs_six_queries_whatever_the_number_of_sites(account, sites, django_assert_num_queries):
    (client,) = _agency(account, clients=1, sites_per_client=sites)
    ActivityLogEntry.objects.create(account=account, site=client.site_assignments.first().site, kinsta_id=1,
                                    occurred_at=datetime(2026, 3, 2, tzinfo=UTC), type="x")  # fmt: skip
    with django_assert_num_queries(6):
        report = client_report(audience="staff", client=client, period=PERIOD, compare=PREVIOUS)
    assert len(report.sites) == sites
    assert report.kpi("visits").value == sum(7 * (s + 1) for s in range(sites))


@pytest.mark.parametrize("sites", [3, 30])
def test_the_overview_runs_seven_queries_whatever_the_number_of_sites(account, sites, django_assert_num_queries):
    _agency(account, clients=3, sites_per_client=sites // 3)
    SyncRun.objects.create(account=account, trigger="schedule", status="success", finished_at=timezone.now())
    with django_assert_num_queries(7):
        overview = agency_overview(clients=Client.objects.all(), period=PERIOD, compare=PREVIOUS)
    assert len(overview.rows) == 3
    assert overview.accounts[0].last_success_at is not None


def test_overview_figures_per_client(acme, account):
    unmapped = make_site(account, name="nobody")
    add_points(unmapped.live, metric="visits", days=days(D, [5] * 7))
    other = make_client("Zeta")
    overview = agency_overview(clients=Client.objects.all(), period=PERIOD, compare=PREVIOUS)
    row = overview.rows[0]
    assert (row.name, row.sites) == ("Acme", 2)
    assert row.totals.visits == 850
    assert row.totals.disk_usage == 740
    assert row.previous.visits == 770
    assert row.previous.disk_usage == 450
    assert row.change("visits") == pytest.approx(80 / 770)
    assert row.visits_daily == (110, 120, None, 140, 150, 160, 170)
    zeta = overview.rows[1]
    assert (zeta.name, zeta.sites, zeta.totals.visits, zeta.visits_daily) == ("Zeta", 0, None, (None,) * 7)
    assert zeta.client_id == other.pk
    assert overview.unmapped_sites == 1


def test_overview_sorts_with_missing_values_last(account):
    clients = _agency(account, clients=3, sites_per_client=1)
    empty = make_client("Aardvark")
    big = clients[2]
    site = make_site(account, name="big")
    add_points(site.live, metric="visits", days=days(D, [1000] * 7))
    assign([site], big)

    def names(**kw):  # type: ignore[no-untyped-def]
        return [r.name for r in agency_overview(clients=Client.objects.all(), period=PERIOD, compare=None, **kw).rows]

    assert names(sort="visits", descending=True) == ["Client 02", "Client 00", "Client 01", "Aardvark"]
    assert names(sort="visits") == ["Client 00", "Client 01", "Client 02", "Aardvark"]
    assert names() == ["Aardvark", "Client 00", "Client 01", "Client 02"]
    assert names(sort="nonsense") == names()
    assert empty.pk


def test_overview_search_matches_client_site_and_domain(acme, account):
    make_client("Globex")
    site = make_site(account, name="initech", domains=["www.initech.example"])
    assign([site], Client.objects.get(name="Globex"))

    def names(q):  # type: ignore[no-untyped-def]
        return [
            r.name for r in agency_overview(clients=Client.objects.all(), period=PERIOD, compare=None, search=q).rows
        ]

    assert names("glo") == ["Globex"]
    assert names("SHOP") == ["Acme"]
    assert names("initech.example") == ["Globex"]
    assert names("nothing-like-it") == []
    overview = agency_overview(clients=Client.objects.all(), period=PERIOD, compare=None, search="glo")
    assert overview.total_clients == 2


def test_overview_shows_only_the_clients_it_is_given(acme):
    make_client("Hidden")
    overview = agency_overview(clients=Client.objects.filter(slug="acme"), period=PERIOD, compare=None)
    assert [r.name for r in overview.rows] == ["Acme"]


def test_sync_health_per_account(account):
    now = timezone.now()
    SyncRun.objects.create(account=account, trigger="schedule", status="success", started_at=now - timedelta(hours=3),
                           finished_at=now - timedelta(hours=2))  # fmt: skip
    SyncRun.objects.create(account=account, trigger="schedule", status="failed", started_at=now - timedelta(hours=1),
                           finished_at=now, errors=[{"step": "sites", "message": "boom"}])  # fmt: skip
    running = SyncRun.objects.create(account=account, trigger="admin", current_step="analytics", progress_done=3,
                                     progress_total=12)  # fmt: skip
    account.api_key_expires_at = now + timedelta(days=3)
    account.sync_lease_until = now + timedelta(seconds=45)  # the running run renews its lease
    account.save()
    make_account(name="Idle agency")
    (idle, health) = account_health()
    assert idle.name == "Idle agency" and idle.last_run is None and idle.last_success_at is None
    assert health.last_success_at == now - timedelta(hours=2)
    assert health.running.id == running.pk
    assert health.running.progress_percent == 25
    assert health.last_run.id == running.pk
    assert health.key_expires_soon
    page = sync_page()
    assert [run.status for run in page.runs] == ["running", "failed", "success"]
    assert page.runs[1].errors == ({"step": "sites", "message": "boom", "step_label": "sites"},)
    assert page.any_running
    # "Sync now" waits for a run only while it holds the account's lease (a killed run's lease lapses).
    assert sync_target(account_id=account.pk) == (account, True)
    KinstaAccount.objects.filter(pk=account.pk).update(sync_lease_until=timezone.now() - timedelta(seconds=1))
    assert sync_target(account_id=account.pk) == (account, False)
    # ...and the pages show such a run as stopped at once, not as running until the next run closes it.
    (_idle, health) = account_health()
    assert health.running is None
    assert (health.last_run.status, health.last_run.status_label) == ("failed", "Stopped (the process running it died)")
    page = sync_page()
    assert [run.status for run in page.runs] == ["failed", "failed", "success"] and not page.any_running
    assert sync_target(account_id=idle.id)[1] is False
    assert sync_target(account_id=999_999) is None


def test_a_run_that_ends_before_it_starts_has_no_negative_duration(account):
    # Skipped runs used to be stored ending a few microseconds before they started; a clock can step back.
    now = timezone.now()
    run = SyncRun.objects.create(account=account, trigger="schedule", status="skipped", started_at=now,
                                 finished_at=now - timedelta(microseconds=40))  # fmt: skip
    assert run.duration_seconds == 0
    (row,) = sync_page().runs
    assert row.duration_seconds == 0
    done = SyncRun.objects.create(account=account, trigger="schedule", status="success", started_at=now,
                                  finished_at=now + timedelta(seconds=90))  # fmt: skip
    assert done.duration_seconds == 90
