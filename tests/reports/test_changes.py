"""Every figure agrees: which period a report is compared with, and one definition of a change (per day
when the two periods differ in length) on every surface: overview, report, site page, CSV summary, PDF
and e-mail."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from pypdf import PdfReader

from clients.models import AgencyBranding
from dashboard.delivery.email import email_context
from dashboard.delivery.models import ReportSchedule
from dashboard.delivery.sends import deliver, ensure_send
from dashboard.delivery.timing import last_run_at_or_before, period_for_run
from dashboard.exports.csv import summary_header
from dashboard.reports.periods import CALENDAR, Period, comparison_period, parse_period, preset_period
from dashboard.reports.selectors import agency_overview, change_ratio, client_report, client_today
from dashboard.reports.templatetags.reports import length_note
from tests.factories import add_points, assign, make_account, make_client, make_site

pytestmark = pytest.mark.django_db

GB = 10**9
# 2 December 2026, mid-morning in Berlin: "last month" is November (30 days), the month before October (31).
DECEMBER_2 = datetime(2026, 12, 2, 9, tzinfo=UTC)
NOTE = "October has 31 days, November 30: changes compare averages per day"


@pytest.fixture(autouse=True)
def _quiet_pdfs(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORTS_ROOT = tmp_path / "reports"
    settings.CHROMIUM_PATH = "/nonexistent/chromium"  # tables instead of charts: faster, same figures


@pytest.fixture
def steady(db):
    """A client whose live site has the same figures every day from September to November 2026 (100 visits,
    1 GB, 0.5 GB CDN), a staging environment with its own visits, and a disk gauge that grows by month."""
    account = make_account()
    client = make_client("Steady Ltd", slug="steady", timezone="Europe/Berlin", contact_emails=["a@steady.example"])
    site = make_site(account, name="steady-shop", display_name="Steady Shop", staging=True)
    days = [date(2026, 9, 1) + timedelta(days=i) for i in range(91)]  # 1 September to 30 November
    add_points(site.live, metric="visits", days=dict.fromkeys(days, 100))
    add_points(site.live, metric="bandwidth", days=dict.fromkeys(days, GB))
    add_points(site.live, metric="cdn_bandwidth", days=dict.fromkeys(days, GB // 2))
    add_points(site.live, metric="disk_usage", days={d: d.month * GB for d in days})  # October 10 GB, November 11
    add_points(site.staging, metric="visits", days=dict.fromkeys(days, 7))
    assign([site], client)
    client.site = site
    return client


# --- Which period a report is compared with ------------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=UTC), tick=False)
def test_30_days_on_1_december_compare_with_the_30_days_before_not_with_october(steady):
    period, compare = parse_period({"period": "30d"}, today=client_today(steady))
    assert (period.start, period.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (compare.start, compare.end, compare.days) == (date(2026, 10, 2), date(2026, 10, 31), 30)


@time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=UTC), tick=False)
def test_the_30_day_report_on_1_december_shows_the_30_days_before(client, staff_user, steady):
    client.force_login(staff_user)
    html = client.get("/clients/steady/?period=30d").content.decode()
    assert "compared with Oct. 2, 2026 to Oct. 31, 2026" in html
    assert "data-length-note" not in html  # the same number of days: nothing to explain


@pytest.mark.parametrize(
    ("preset", "today", "compare_start", "compare_end"),
    [
        ("7d", date(2026, 12, 1), date(2026, 11, 17), date(2026, 11, 23)),
        ("90d", date(2026, 12, 1), date(2026, 6, 4), date(2026, 9, 1)),
        ("last_month", date(2026, 12, 2), date(2026, 10, 1), date(2026, 10, 31)),
        ("last_month", date(2026, 3, 2), date(2026, 1, 1), date(2026, 1, 31)),
        # The 12 months to yesterday against the 12 months before them (366 days: 29 February 2024).
        ("12m", date(2025, 3, 15), date(2023, 3, 15), date(2024, 3, 14)),
        ("this_month", date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
    ],
)
def test_rolling_presets_compare_with_as_many_days_and_calendar_presets_with_the_calendar(
    preset, today, compare_start, compare_end
):
    period = preset_period(preset, today=today)
    compare = comparison_period(period, "previous")
    assert (compare.start, compare.end) == (compare_start, compare_end)
    if preset in ("7d", "90d"):
        assert compare.days == period.days and compare.end == period.start - timedelta(days=1)


def test_same_period_last_year_stays_the_same_dates():
    period = preset_period("last_month", today=date(2024, 3, 5))  # February 2024, 29 days
    compare = comparison_period(period, "year")
    assert (compare.start, compare.end) == (date(2023, 2, 1), date(2023, 2, 28))


# --- One definition of a change ------------------------------------------------------------------------------


def test_summed_figures_of_periods_of_different_lengths_compare_averages_per_day():
    # 3,000 visits in 30 days against 3,100 in 31: 100 a day both times.
    assert change_ratio("visits", 3000, 3100, days=30, compare_days=31) == pytest.approx(0)
    assert change_ratio("bandwidth", 30 * GB, 31 * GB, days=30, compare_days=31) == pytest.approx(0)
    # The Acme: visits down 2.0 % in total, up 1.3 % per day.
    assert change_ratio("visits", 9800, 10000, days=30, compare_days=31) == pytest.approx(9800 / 30 / (10000 / 31) - 1)
    assert change_ratio("visits", 9800, 10000, days=30, compare_days=31) == pytest.approx(0.0127, abs=1e-4)
    # Equal lengths: the plain change. Disk usage is a gauge: as it is, whatever the lengths.
    assert change_ratio("visits", 110, 100, days=7, compare_days=7) == pytest.approx(0.10)
    assert change_ratio("disk_usage", 11 * GB, 10 * GB, days=30, compare_days=31) == pytest.approx(0.10)
    # No data, a zero base, or no comparison: no change.
    assert change_ratio("visits", None, 100, days=30, compare_days=31) is None
    assert change_ratio("visits", 100, 0, days=30, compare_days=31) is None
    assert change_ratio("visits", 100, 100, days=30, compare_days=0) is None


def _last_month(client):  # type: ignore[no-untyped-def]
    return parse_period({"period": "last_month"}, today=client_today(client))


@time_machine.travel(DECEMBER_2, tick=False)
def test_last_month_with_the_same_visits_every_day_is_no_change(steady):
    period, compare = _last_month(steady)
    assert (compare.start, compare.end) == (date(2026, 10, 1), date(2026, 10, 31))
    report = client_report(audience="staff", client=steady, period=period, compare=compare)

    visits = report.kpi("visits")
    assert (visits.value, visits.previous) == (3000, 3100)  # live only: staging's 7 a day are not counted
    assert visits.change == pytest.approx(0)
    assert report.kpi("bandwidth").change == pytest.approx(0)
    assert report.kpi("cdn_bandwidth").change == pytest.approx(0)
    assert report.kpi("disk_usage").change == pytest.approx(0.10)  # 11 GB against 10 GB, as it is
    assert report.sites[0].live.visits_change == pytest.approx(0)
    assert report.lengths_differ

    overview = agency_overview(clients=type(steady).objects.all(), period=period, compare=compare)
    assert overview.rows[0].change("visits") == pytest.approx(0)
    assert overview.rows[0].change("disk_usage") == pytest.approx(0.10)
    assert overview.lengths_differ


@time_machine.travel(DECEMBER_2, tick=False)
def test_the_pages_show_no_change_and_say_why(client, staff_user, steady):
    client.force_login(staff_user)
    query = "period=last_month&compare=previous"
    for url in ("/clients/steady/", f"/clients/steady/sites/{steady.site.pk}/", "/"):
        html = client.get(f"{url}?{query}").content.decode()
        assert NOTE in html, url
        assert "\u22123.2%" not in html, url  # (3,000 - 3,100) / 3,100, the change of the sums
    report_html = client.get(f"/clients/steady/?{query}").content.decode()
    assert "±0.0%" in report_html
    overview_html = client.get(f"/?{query}").content.decode()
    assert "±0.0%" in overview_html


@time_machine.travel(DECEMBER_2, tick=False)
def test_the_summary_csv_carries_the_reports_changes(client, staff_user, steady):
    client.force_login(staff_user)
    response = client.get("/clients/steady/report-summary.csv?period=last_month&compare=previous")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0][: len(summary_header())]) == summary_header()
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    live = next(r for r in records if r["is_live"] == "yes")
    assert (live["visits"], live["compare_visits"]) == ("3000", "3100")
    assert (live["days"], live["compare_days"]) == ("30", "31")
    assert float(live["visits_change"]) == pytest.approx(0)
    assert float(live["bandwidth_change"]) == pytest.approx(0)
    assert float(live["disk_change"]) == pytest.approx(0.10)


@pytest.mark.needs("pango")
@time_machine.travel(DECEMBER_2, tick=False)
def test_the_pdf_shows_no_change_and_says_why(steady):
    from dashboard.exports.pdf import render_report_pdf

    period, compare = _last_month(steady)
    report = client_report(audience="staff", client=steady, period=period, compare=compare)
    content = render_report_pdf(client=steady, report=report).content
    text = " ".join("\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).split())
    assert NOTE in text
    assert "±0.0%" in text and "\u22123.2%" not in text


@pytest.mark.needs("pango")
def test_a_monthly_schedules_e_mail_shows_no_change_and_says_why(steady):
    schedule = ReportSchedule.objects.create(client=steady, frequency="monthly", day_of_month=1)
    period = period_for_run(schedule, last_run_at_or_before(schedule, DECEMBER_2))
    assert (period.start, period.end) == (date(2026, 11, 1), date(2026, 11, 30))
    send, _ = ensure_send(client=steady, period=period, compare="previous", recipients=["a@steady.example"])
    assert (send.compare_start, send.compare_end) == (date(2026, 10, 1), date(2026, 10, 31))

    assert deliver(send.pk) == "sent"
    body = " ".join(mail.outbox[0].body.split())
    html = " ".join(mail.outbox[0].alternatives[0][0].split())
    for text in (body, html):
        assert NOTE in text
        assert "±0.0%" in text and "\u22123.2%" not in text
    assert "+10.0%" in body  # disk usage, a gauge: 11 GB against 10 GB
    send.refresh_from_db()
    assert send.numbers["kpis"][0]["change"] == pytest.approx(0)  # archived with the PDF it matches


def test_an_e_mail_of_a_report_archived_without_its_changes_computes_them_per_day(steady):
    period = Period(date(2026, 11, 1), date(2026, 11, 30), CALENDAR)
    send, _ = ensure_send(client=steady, period=period, compare="previous", recipients=["a@steady.example"])
    send.numbers = {
        "period": {"start": "2026-11-01", "end": "2026-11-30"},
        "compare": {"kind": "previous", "start": "2026-10-01", "end": "2026-10-31"},
        "kpis": [{"metric": "visits", "value": 3000, "previous": 3100, "days_with_data": 30, "days": 30}],
        "sites": [],
    }
    context = email_context(send, AgencyBranding.get())
    assert context["kpis"][0]["change"] == "±0.0%"
    assert context["length_note"].startswith(NOTE)


def test_a_30_day_schedule_on_1_december_compares_with_the_30_days_before(steady):
    schedule = ReportSchedule.objects.create(client=steady, frequency="monthly", covers="last_30_days")
    period = period_for_run(schedule, datetime(2026, 12, 1, 6, tzinfo=UTC))
    assert (period.start, period.end) == (date(2026, 11, 1), date(2026, 11, 30))
    send, _ = ensure_send(client=steady, period=period, compare="previous", recipients=["a@steady.example"])
    assert (send.compare_start, send.compare_end) == (date(2026, 10, 2), date(2026, 10, 31))


def test_the_length_note_names_two_months_and_counts_other_periods():
    november = Period(date(2026, 11, 1), date(2026, 11, 30), "last_month")
    october = comparison_period(november, "previous")
    assert length_note(november, october).startswith(NOTE)
    with translation.override("de"):
        assert length_note(november, october).startswith("Oktober hat 31 Tage, November 30:")
    leap = Period(date(2024, 2, 1), date(2024, 2, 29), "last_month")
    assert length_note(leap, comparison_period(leap, "year")).startswith("February 2023 has 28 days, February 2024 29")
    twelve = preset_period("12m", today=date(2025, 3, 15))
    assert length_note(twelve, comparison_period(twelve, "previous")).startswith(
        "The comparison period has 366 days, this period 365"
    )
    week = preset_period("7d", today=date(2026, 3, 1))
    assert length_note(week, comparison_period(week, "previous")) == ""


def test_only_visits_changes_are_green_or_red_disk_and_bandwidth_are_neutral():
    from django.utils import translation

    from dashboard.reports.templatetags.reports import change

    with translation.override("en"):
        assert 'class="change up"' in change(0.2)  # visits, the default
        assert 'class="change down"' in change(-0.2, metric="visits")
        for metric in ("bandwidth", "cdn_bandwidth", "disk_usage"):
            grew, fell = change(0.2, metric=metric), change(-0.2, plain=True, metric=metric)
            assert 'class="change neutral"' in grew and "▲" in grew and "up" in grew
            assert fell == '<span class="change neutral">▼ \u221220.0%</span>'
        assert 'class="change flat"' in change(0.0, metric="disk_usage")
