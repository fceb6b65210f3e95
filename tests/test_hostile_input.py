"""Hostile input: an agency whose every string is hostile renders inert everywhere, and bad query parameters
get a clear message, never a server error.

The fake's `AgencySpec(hostile_everywhere=True)` makes every site, label, environment, user, activity
description, error and region name one of `kinsta_sync.fake.hostile.HOSTILE_STRINGS` (script tags, spreadsheet
formulas, right-to-left marks, emoji, a 10,000-character string, SQL-looking text). After a sync over HTTP:
- every page (overview, client report, site pages, sync page, admin lists) holds no unescaped tag from them;
- no CSV cell starts a formula;
- the PDF renders and its text holds the names as plain text;
- the report e-mail's HTML holds no unescaped tag and its text part the names as text.
Reproduce: `python3 runtests.py tests/test_hostile_input.py -v`.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from clients.assignment import assign_sites
from clients.models import Client
from dashboard.delivery.email import build_email
from dashboard.delivery.models import ReportSend
from dashboard.delivery.sends import prepare_send
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from kinsta_sync.fake.hostile import HOSTILE_STRINGS
from kinsta_sync.fake.server import serve
from kinsta_sync.models import KinstaAccount, Site, SyncRun
from kinsta_sync.sync import run_sync
from tests.conftest import FAKE_KEY
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

# The markup in HOSTILE_STRINGS, as it must never appear unescaped in HTML.
DANGEROUS = [
    "<script>alert(1)</script>",
    "<script>alert(2)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "</textarea>",
    "<b>bold</b>",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_client(kinsta_settings, settings):
    agency = FakeAgency.generate(
        AgencySpec(seed=3, sites=5, days=40, users=3, activity_events=60, hostile_everywhere=True)
    )
    with serve(FakeKinsta(agency, api_key=FAKE_KEY, requests_per_minute=100_000)) as server:
        settings.KINSTA_API_URL = server.url
        account = KinstaAccount(company_id=agency.company_id, name=HOSTILE_STRINGS[0])
        account.set_api_key(FAKE_KEY)
        account.save()
        run = run_sync(account=account)
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    client = Client.objects.create(name='<script>alert("client")</script> =SUM(A1)', slug="hostile")
    assign_sites(sites=Site.objects.all(), client=client)
    return client


def assert_inert_html(html: str, where: str) -> None:
    for needle in DANGEROUS:
        if needle == "</textarea>":
            # Our own forms have text areas (the agency's note): each closes once; a hostile string that broke
            # out of one would close it a second time.
            opened = len(re.findall(r"<textarea\b", html))
            assert html.count(needle) == opened, f"{where}: unescaped {needle!r}"
            continue
        assert needle not in html, f"{where}: unescaped {needle!r}"
    # Our own scripts carry a src or a JSON type; no other script element may exist.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, f"{where}: foreign {tag}"


def test_every_page_renders_the_hostile_agency_inert(client, admin_user, hostile_client):
    client.force_login(admin_user)
    urls = [
        "/",
        f"/clients/{hostile_client.slug}/",
        "/sync/",
        "/admin/kinsta_sync/site/",
        "/admin/kinsta_sync/activitylogentry/",
        "/admin/kinsta_sync/installeditem/",
        "/admin/kinsta_sync/updateevent/",
        "/admin/kinsta_sync/backup/",
    ]
    urls += [f"/clients/{hostile_client.slug}/sites/{pk}/" for pk in Site.objects.values_list("pk", flat=True)]
    for period in ("7d", "90d", "12m"):
        urls.append(f"/clients/{hostile_client.slug}/?period={period}&compare=year")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert_html(response.content.decode(), url)
    # The names are there, escaped, not dropped.
    report = client.get(f"/clients/{hostile_client.slug}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_no_csv_cell_starts_a_formula(client, staff_user, hostile_client):
    client.force_login(staff_user)
    for url in (
        f"/clients/{hostile_client.slug}/report.csv",
        f"/clients/{hostile_client.slug}/report-summary.csv",
        f"/clients/{hostile_client.slug}/maintenance.csv",  # a plugin named like a formula (the fake's hostile one)
    ):
        response = client.get(url + "?period=30d")
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        assert len(rows) > 1, url
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_START), (url, cell[:40])


@pytest.mark.needs("pango")
def test_the_pdf_and_the_email_render_the_names_as_text(hostile_client, mailoutbox):
    today = timezone.localdate()
    send = ReportSend.objects.create(
        client=hostile_client,
        period_start=today - timedelta(days=30),
        period_end=today - timedelta(days=1),
        recipients=["client@example.com"],
    )
    prepare_send(send)
    text = pdf_text(send.pdf.read())
    squeezed = re.sub(r"\s+", "", text)
    assert "<script>alert(1)</script>" in squeezed or "alert(1)" in squeezed

    message = build_email(send)
    html = next(content for content, mime in message.alternatives if mime == "text/html")
    assert_inert_html(html, "e-mail HTML")
    assert '<script>alert("client")</script>' in message.body  # the text part shows the name as text
    assert "\n" not in message.subject
    # The subject is plain text: the name as written, no HTML entities.
    assert message.subject.startswith('Website report for <script>alert("client")</script>')
    assert "&lt;" not in message.subject and "&quot;" not in message.subject


@pytest.mark.parametrize(
    "query",
    [
        "start=garbage&end=2026-01-01",
        "start=2026-13-45&end=2026-14-01",
        "start=2026-03-10&end=2026-03-01",
        "start=0001-01-01&end=9999-12-31",
        "start=1900-01-01&end=1900-01-31",
        "period=bogus",
        "compare=evil",
        "start=2026-01-01",
        "period=30d&start=%00",
        "start=" + "9" * 5000,
    ],
)
def test_bad_query_parameters_get_a_clear_message_never_a_500(client, staff_user, client_a, query):
    client.force_login(staff_user)
    for path in ("", "report.csv", "report-summary.csv", "report.pdf"):
        response = client.get(f"/clients/{client_a.slug}/{path}?{query}")
        assert response.status_code == 400, (path, query, response.status_code)
        assert response.content, (path, query)
    page = client.get(f"/clients/{client_a.slug}/?{query}").content.decode()
    assert 'role="alert"' in page or "error" in page.lower()
