"""CSV exports: the per-day rows equal the stored data, the per-site rows equal the report, formula cells
are neutralised, files are named after the client and period, and only those who may see a client get them."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from dashboard.exports.csv import DAILY_HEADER, daily_rows, neutralise, summary_extra, summary_header
from dashboard.reports.periods import Period, comparison_period
from dashboard.reports.selectors import client_report
from kinsta_sync.models import AnalyticsPoint
from tests.factories import add_points, assign, make_account, make_client, make_site

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)
PERIOD = Period(START, START + timedelta(days=9))  # 1-10 March
QUERY = "start=2026-03-01&end=2026-03-10&compare=previous"
HOSTILE = [
    '=HYPHERLINK("http://evil.example","click")',
    "+1+1 Promotions",
    "-2+3 Outlet",
    "@SUM(A1) Accounting",
    "\tTabbed",
    "\rReturned",
    "Müller & Söhne \u2013 東京 🍕 متجر",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shop(staff_user):
    """A client with hostile site names, staging, gaps and every metric, over 1-10 March and the 10 days before."""
    account = make_account()
    client = make_client("Hostile Shop", slug="hostile")
    sites = []
    for index, name in enumerate(HOSTILE):
        site = make_site(account, name=f"hostile-{index}", display_name=name, staging=index == 0)
        first = START - timedelta(days=10)
        for offset in range(20):
            day = first + timedelta(days=offset)
            if offset % 7 == 3:
                continue  # a gap: no row that day for any metric
            add_points(site.live, metric="visits", days={day: 100 * (index + 1) + offset})
            add_points(site.live, metric="bandwidth", days={day: 10**9 * (index + 1) + offset})
            if offset % 2 == 0:
                add_points(site.live, metric="cdn_bandwidth", days={day: 5 * 10**8 + offset})
            add_points(site.live, metric="disk_usage", days={day: 2 * 10**9 + index * 1000 + offset})
            if site.staging is not None:
                add_points(site.staging, metric="visits", days={day: 7})
        sites.append(site)
    assign(sites, client)
    # A site of another client, whose rows must never appear.
    other = make_site(account, name="other", display_name="Other client's site")
    add_points(other.live, metric="visits", days={START: 999_999})
    assign([other], make_client("Other", slug="other"))
    return client


def parse(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body, newline="")))


def test_it_neutralises_cells_that_start_like_a_formula():
    for value in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx", "\nx"):
        assert neutralise(value) == "'" + value
    for value in ("plain", "1+1", "Ünïcödé", "", "a =x", "x=1", "\uff11\uff12\uff13", "e-mail"):
        assert neutralise(value) == value
    assert neutralise(-5) == -5  # numbers are never touched


def test_it_neutralises_what_a_spreadsheet_evaluates_after_trimming_blanks_and_folding_full_width():
    # Blanks a spreadsheet trims on import: space, NBSP, other Unicode spaces; invisible marks; full width.
    for value in (
        " =1+1", "  +1", "\u00a0=HYPERLINK(\"http://evil.example\")", "\u2003@SUM(A1)", "\u3000-1",
        "\u200b=1", "\ufeff=1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20A1", " \u00a0 \uff1dcmd",
    ):  # fmt: skip
        assert neutralise(value) == "'" + value, repr(value)
    assert neutralise(-5) == -5  # numbers are never touched


def test_daily_csv_rows_equal_the_stored_points(client, staff_user, shop):
    client.force_login(staff_user)
    response = client.get(f"/clients/hostile/report.csv?{QUERY}")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report-hostile-2026-03-01-to-2026-03-10.csv"'
    rows = parse(response)
    assert tuple(rows[0]) == DAILY_HEADER

    expected: dict[tuple[str, str, str], dict[str, str]] = {}
    column = {"visits": "visits", "bandwidth": "bandwidth_bytes", "cdn_bandwidth": "cdn_bandwidth_bytes",
              "disk_usage": "disk_bytes"}  # fmt: skip
    for day, site_id, env, metric, value in AnalyticsPoint.objects.filter(
        environment__site__assignment__client=shop, day__gte=PERIOD.start, day__lte=PERIOD.end
    ).values_list("day", "environment__site__kinsta_id", "environment__display_name", "metric", "value"):
        expected.setdefault((day.isoformat(), site_id, env), {})[column[metric]] = str(value)
    got = {}
    for row in rows[1:]:
        record = dict(zip(DAILY_HEADER, row, strict=True))
        key = (record["date"], record["site_id"], record["environment"])
        assert key not in got, "one row per site, environment and day"
        got[key] = {k: v for k, v in record.items() if k.endswith(("visits", "_bytes")) and v != ""}
    assert got == expected
    # A metric missing that day is an empty cell (no data), never 0.
    assert any(row[6] == "" for row in rows[1:])
    assert "999999" not in "".join(",".join(r) for r in rows)


def test_daily_csv_is_ordered_by_day_then_site_then_environment(client, staff_user, shop):
    client.force_login(staff_user)
    rows = parse(client.get(f"/clients/hostile/report.csv?{QUERY}"))[1:]

    days = [row[0] for row in rows]
    assert days == sorted(days)
    first_day = [row for row in rows if row[0] == days[0]]
    # Live before staging for the same site.
    staging = [i for i, row in enumerate(first_day) if row[3] == "Staging"]
    assert staging and first_day[staging[0] - 1][3] == "Live"
    assert first_day[staging[0] - 1][2] == first_day[staging[0]][2]


def test_daily_csv_neutralises_hostile_names_and_keeps_unicode(client, staff_user, shop):
    client.force_login(staff_user)
    rows = parse(client.get(f"/clients/hostile/report.csv?{QUERY}"))[1:]

    names = {row[1] for row in rows}
    for name in HOSTILE[:6]:
        assert "'" + name in names
        assert name not in names
    assert "Müller & Söhne \u2013 東京 🍕 متجر" in names
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert row[0] == date.fromisoformat(row[0]).isoformat()  # ISO dates
        assert all(cell == "" or cell.isdigit() for cell in row[4:])  # raw integers


def test_daily_csv_adds_up_to_the_report(client, staff_user, shop):
    client.force_login(staff_user)
    rows = parse(client.get(f"/clients/hostile/report.csv?{QUERY}"))[1:]
    report = client_report(audience="staff", client=shop, period=PERIOD, compare=comparison_period(PERIOD, "previous"))

    live = [row for row in rows if row[3] == "Live"]
    assert sum(int(r[4]) for r in live if r[4]) == report.live_totals.visits
    assert sum(int(r[5]) for r in live if r[5]) == report.live_totals.bandwidth
    assert sum(int(r[6]) for r in live if r[6]) == report.live_totals.cdn_bandwidth
    staging = [row for row in rows if row[3] == "Staging"]
    assert sum(int(r[4]) for r in staging) == report.staging_totals.visits
    # Disk: the latest reading per live environment, summed.
    latest: dict[str, tuple[str, int]] = {}
    for row in live:
        if row[7] and (row[2] not in latest or row[0] > latest[row[2]][0]):
            latest[row[2]] = (row[0], int(row[7]))
    assert sum(v for _, v in latest.values()) == report.live_totals.disk_usage


def test_daily_rows_stream_in_chunks_without_losing_rows(shop):
    small = list(daily_rows(client=shop, period=PERIOD, chunk_size=3))
    large = list(daily_rows(client=shop, period=PERIOD, chunk_size=10_000))
    assert small == large
    assert len(small) == len({(r[0], r[2], r[3]) for r in small})


def test_summary_csv_equals_the_report_for_the_period_and_the_comparison(client, staff_user, shop):
    client.force_login(staff_user)
    response = client.get(f"/clients/hostile/report-summary.csv?{QUERY}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="report-hostile-2026-03-01-to-2026-03-10-summary.csv"'
    )
    rows = parse(response)
    header = summary_header(summary_extra(shop, PERIOD, None))  # the report's columns, then other apps'
    assert tuple(rows[0]) == header
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    report = client_report(audience="staff", client=shop, period=PERIOD, compare=comparison_period(PERIOD, "previous"))
    assert len(records) == sum(len(site.environments) for site in report.sites)
    by_site = {(r["site_id"], r["environment"]): r for r in records}
    for site in report.sites:
        live = by_site[(site.kinsta_id, "Live")]
        assert live["is_live"] == "yes"
        assert (live["period_start"], live["period_end"]) == ("2026-03-01", "2026-03-10")
        assert (live["compare_start"], live["compare_end"]) == ("2026-02-19", "2026-02-28")
        assert int(live["visits"]) == site.totals.visits
        assert int(live["disk_bytes"]) == site.totals.disk_usage
        assert int(live["compare_visits"]) == site.previous.visits
        assert int(live["compare_bandwidth_bytes"]) == site.previous.bandwidth
    assert sum(int(r["visits"]) for r in records if r["is_live"] == "yes") == report.kpi("visits").value
    assert sum(int(r["compare_visits"]) for r in records if r["is_live"] == "yes") == report.kpi("visits").previous
    for record in records:
        assert not record["site"].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_summary_csv_without_comparison_leaves_its_columns_empty(client, staff_user, shop):
    client.force_login(staff_user)
    rows = parse(client.get("/clients/hostile/report-summary.csv?start=2026-03-01&end=2026-03-10&compare=none"))
    assert all(row[10:20] == [""] * 10 and row[20:22] == ["10", ""] for row in rows[1:])


def test_presets_are_resolved_in_the_clients_time_zone(client, staff_user, client_b):
    client.force_login(staff_user)
    response = client.get("/clients/globex/report.csv?period=7d")
    assert response.status_code == 200
    name = response["Content-Disposition"]
    assert name.startswith('attachment; filename="report-globex-') and name.endswith('.csv"')


def test_a_bad_period_is_a_400_with_the_reason(client, staff_user, shop):
    client.force_login(staff_user)
    for url in ("/clients/hostile/report.csv", "/clients/hostile/report-summary.csv", "/clients/hostile/report.pdf"):
        response = client.get(f"{url}?start=2026-03-10&end=2026-03-01")
        assert response.status_code == 400
        assert "ends before it starts" in response.content.decode()


# --- Access: every export URL, every persona ---------------------------------------------------------------

EXPORTS = ["report.csv", "report-summary.csv"]


@pytest.mark.parametrize("export", EXPORTS)
def test_client_users_download_their_own_exports(client, client_a_user, export):
    client.force_login(client_a_user)
    response = client.get(f"/clients/acme/{export}?period=7d")
    assert response.status_code == 200
    rows = parse(response)
    assert len(rows) > 1
    assert {row[0 if export == "report-summary.csv" else 1] for row in rows[1:]} <= {"Acme Shop", "Acme Blog"}


@pytest.mark.parametrize("export", [*EXPORTS, "report.pdf"])
def test_other_clients_exports_are_404(client, client_a_user, client_b, export):
    client.force_login(client_a_user)
    assert client.get(f"/clients/globex/{export}").status_code == 404
    assert client.get(f"/clients/no-such-client/{export}").status_code == 404


@pytest.mark.parametrize("export", [*EXPORTS, "report.pdf"])
def test_users_without_a_client_get_404(client, other_user, client_a, export):
    client.force_login(other_user)
    assert client.get(f"/clients/acme/{export}").status_code == 404


@pytest.mark.parametrize("export", [*EXPORTS, "report.pdf"])
def test_anonymous_visitors_are_sent_to_the_login(client, client_a, export):
    response = client.get(f"/clients/acme/{export}?period=7d")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/clients/acme/")


def test_the_report_page_links_to_the_exports_with_its_period(client, client_a_user):
    client.force_login(client_a_user)
    html = client.get("/clients/acme/?period=7d&compare=none").content.decode()
    assert 'href="/clients/acme/report.csv?period=7d&amp;compare=none"' in html
    assert 'href="/clients/acme/report-summary.csv?period=7d&amp;compare=none"' in html
    assert 'href="/clients/acme/report.pdf?period=7d&amp;compare=none"' in html
    # Client users get the downloads, not the staff actions.
    assert "/clients/acme/share/" not in html
    assert "/clients/acme/reports/send/" not in html


def test_stream_csv_sends_chunks_that_join_to_the_same_text():
    from dashboard.exports.csv import stream_csv

    rows = [[date(2026, 3, day), f"site {day}", "=evil", day] for day in range(1, 21)]

    chunks = list(stream_csv(("date", "site", "note", "n"), rows, rows_per_chunk=6))
    whole = "".join(stream_csv(("date", "site", "note", "n"), rows, rows_per_chunk=1000))

    assert len(chunks) == 4  # 21 lines in chunks of 6
    assert "".join(chunks) == whole
    assert whole.count("\r\n") == 21
    assert "'=evil" in whole


def test_a_cached_daily_csv_is_renewed_when_a_sync_finishes(client, staff_user, shop, django_assert_max_num_queries):
    from kinsta_sync.models import SyncRun

    client.force_login(staff_user)
    first = parse(client.get(f"/clients/hostile/report.csv?{QUERY}"))
    point = AnalyticsPoint.objects.filter(
        environment__site__assignment__client=shop, metric="visits", day=START + timedelta(days=1)
    ).first()
    # A change the cache cannot know about (no sync): the cached file is served, without reading the points.
    AnalyticsPoint.objects.filter(pk=point.pk).update(value=123_456_789)
    with django_assert_max_num_queries(8):
        again = parse(client.get(f"/clients/hostile/report.csv?{QUERY}"))
    assert again == first
    assert not any("123456789" in row for row in again)

    # A finished sync moves the data version: the next download has the new figure.
    SyncRun.objects.create(account=point.environment.site.account, trigger="schedule", status="success",
                           finished_at=point.environment.site.account.created_at)  # fmt: skip
    renewed = parse(client.get(f"/clients/hostile/report.csv?{QUERY}"))
    assert any("123456789" in row for row in renewed)
