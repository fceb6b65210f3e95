"""The PDF's charts and pages as a reader sees them: headings stay with what follows, legends whole, the
last day on the axis. PDFs land in artifacts/pdf/ for people to look at (pdftoppm -png -r 60 ...)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from dashboard.exports.pdf import render_report_pdf
from dashboard.reports.periods import Period, comparison_period
from dashboard.reports.selectors import client_report
from kinsta_sync.models import ActivityLogEntry
from tests.factories import add_points, assign, make_account, make_client, make_site
from tests.pdf_text import pdf_pages_text
from tests.system_packages import CHROMIUM_PATH, require

pytestmark = [pytest.mark.django_db, pytest.mark.needs("pango")]

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "artifacts" / "pdf"


@pytest.fixture
def agency(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORTS_ROOT = tmp_path / "reports"
    account = make_account()
    client = make_client("Acme Corp", slug="acme", brand_color="#0a7d5a")
    yesterday = date.today() - timedelta(days=1)
    days = [yesterday - timedelta(days=d) for d in range(0, 800)]
    sites = []
    for index, name in enumerate(["Shop", "Blog", "Careers", "Docs"]):
        site = make_site(account, name=f"s{index}", display_name=name, domains=[f"s{index}.example.com"])
        add_points(site.live, metric="visits", days={d: (4 - index) * 900 + (d.toordinal() * 37 % 400) for d in days})
        add_points(site.live, metric="bandwidth", days={d: (4 - index) * 2 * 10**9 + d.day * 10**7 for d in days})
        add_points(site.live, metric="cdn_bandwidth", days={d: (4 - index) * 10**9 for d in days})
        add_points(site.live, metric="disk_usage", days={d: (4 - index) * 10**9 + d.toordinal() * 10**5 for d in days})
        for n in range(8):
            ActivityLogEntry.objects.create(
                account=account, kinsta_id=index * 100 + n + 1, site=site,
                occurred_at=timezone.now() - timedelta(days=n + 1, hours=index), type="updatePlugin",
                description=f"Updated plugin {n} on {name}", initiated_by_name="Agency",
            )  # fmt: skip
        sites.append(site)
    assign(sites, client)
    return client


def render(client, days: int, name: str):  # type: ignore[no-untyped-def]
    yesterday = date.today() - timedelta(days=1)
    period = Period(yesterday - timedelta(days=days - 1), yesterday)
    report = client_report(client=client, period=period, compare=comparison_period(period, "previous"), audience="pdf")
    pdf = render_report_pdf(client=client, report=report)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf.content)
    return report, pdf


@pytest.mark.slow
@pytest.mark.parametrize(("days", "language"), [(30, "en"), (90, "de"), (365, "en")])
def test_pdf_pages_for_people_to_look_at(agency, settings, days, language):
    require("chromium")
    settings.CHROMIUM_PATH = CHROMIUM_PATH
    agency.language = language
    agency.save()
    _report, pdf = render(agency, days, f"report-{days}d-{language}")
    assert pdf.charts_drawn, pdf.chart_error
    pages = pdf_pages_text(pdf.content)
    assert len(pages) >= 2


def test_every_template_writes_dates_one_way():
    """DATE_FORMAT for days and DATETIME_FORMAT for moments, on every page, PDF and e-mail; never the short
    numeric forms beside them ("12/02/2026 5:54 p.m." on the overview's sync health under "Nov. 2, 2026")."""
    root = Path(__file__).resolve().parent.parent.parent
    templates = sorted((root / "templates").rglob("*.html")) + sorted((root / "templates").rglob("*.txt"))
    assert len(templates) > 50
    for path in templates:
        text = path.read_text()
        assert "SHORT_DATE" not in text, path
        assert "|date:'Y" not in text.replace("|date:'Y-m-d'", ""), path


def test_the_pdf_writes_every_date_in_the_languages_date_format(agency, settings):
    import re

    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    _report, pdf = render(agency, 30, "report-30d-en-tables")
    text = " ".join(pdf_pages_text(pdf.content))
    assert not re.search(r"\b\d\d/\d\d/\d{4}\b", text)  # no 10/01/2026 beside "Oct. 1, 2026"
    assert not re.search(r"\b\d{4}-\d\d-\d\d\b", text)
    assert re.search(r"\b[A-Z][a-z]{2}\.? \d{1,2}, \d{4}, \d{1,2}:\d\d [ap]\.m\.", text)  # activity times


def headings_alone(content: bytes, headings: dict[str, str]) -> list[str]:
    """Headings printed on a page without the first line of what follows them."""
    alone = []
    for text in pdf_pages_text(content):
        for heading, follower in headings.items():
            if heading in text and follower not in text:
                alone.append(heading)
    return alone


@pytest.mark.slow
def test_headings_stay_with_what_follows_them(settings, tmp_path):
    """However long the site table, "Work done" never ends a page with its table on the next."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    account = make_account()
    client = make_client("Long tables", slug="long-tables")
    yesterday = date.today() - timedelta(days=1)
    period = Period(yesterday - timedelta(days=6), yesterday)
    sites = []
    found = []
    for count in range(1, 26):
        site = make_site(account, name=f"t{count}", display_name=f"Site {count}", domains=[f"t{count}.example.com"])
        add_points(site.live, metric="visits", days={period.start + timedelta(days=d): 10 for d in range(7)})
        ActivityLogEntry.objects.create(
            account=account, kinsta_id=count, site=site, occurred_at=timezone.now() - timedelta(days=2),
            type="updatePlugin", description=f"Updated on {count}", initiated_by_name="Agency",
        )  # fmt: skip
        sites.append(site)
        assign([site], client)
        report = client_report(
            client=client, period=period, compare=comparison_period(period, "previous"), audience="pdf"
        )
        pdf = render_report_pdf(client=client, report=report)
        found += [(count, h) for h in headings_alone(pdf.content, {"Work done": "Plugin updates",
                                                                    "Latest entries": "RESULT"})]  # fmt: skip
    assert found == []
