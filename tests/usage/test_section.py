"""The "Plan usage" section of a client's report: shown only to a client with a quota, its own numbers."""

from __future__ import annotations

import pytest

from dashboard.reports import sections
from dashboard.reports.periods import Period
from dashboard.reports.selectors import AUDIENCE_CLIENT
from dashboard.usage.models import ClientQuota
from dashboard.usage.section import build
from tests.personas import persona_days, persona_visits

pytestmark = pytest.mark.django_db


def test_a_client_with_a_quota_sees_its_use_and_forecast_on_its_report(client, client_a, client_a_user, client_b):
    ClientQuota.objects.create(client=client_a, visits=1_000_000, cdn_gb=5)
    client.force_login(client_a_user)
    html = client.get("/clients/acme/?period=30d").content.decode()
    assert 'class="card usage-section"' in html
    assert html.index("usage-section") > html.index('class="kpis')  # below the figures (slot end)
    assert "Your hosting quota in the billing month" in html


def test_the_numbers_are_the_clients_own_live_visits_in_the_billing_month(client_a, client_b):
    ClientQuota.objects.create(client=client_a, visits=1_000)
    days = persona_days()
    period = Period(start=days[-30], end=days[-1])
    data = build(sections.SectionRequest(client=client_a, period=period, compare=None, audience=AUDIENCE_CLIENT))
    month_start = days[-1].replace(day=1)
    expected = sum(
        persona_visits(name, i)
        for name in ("acme-shop", "acme-blog")
        for i, day in enumerate(days)
        if day >= month_start
    )
    (row,) = data["rows"]
    assert row["metric"] == "visits" and row["used"] == expected and row["quota"] == 1_000
    assert data["month_start"] == month_start.isoformat()
    assert row["low"] <= row["projected"] <= row["high"]


def test_no_quota_no_section(client, client_a, client_a_user, client_b):
    ClientQuota.objects.create(client=client_b, visits=10)
    client.force_login(client_a_user)
    assert "usage-section" not in client.get("/clients/acme/?period=30d").content.decode()
    days = persona_days()
    request = sections.SectionRequest(
        client=client_a, period=Period(start=days[0], end=days[-1]), compare=None, audience=AUDIENCE_CLIENT
    )
    assert build(request) is None


def test_the_report_with_the_section_runs_the_same_queries_as_sites_grow(client, client_a, client_a_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kinsta_sync.models import KinstaAccount
    from tests.factories import add_points, assign, make_site

    ClientQuota.objects.create(client=client_a, visits=1_000, cdn_gb=1, disk_gb=1)
    client.force_login(client_a_user)

    def count() -> int:
        from django.core.cache import cache

        cache.clear()  # cold: nothing of the report cached
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/clients/acme/?period=30d")
        assert response.status_code == 200 and "usage-section" in response.content.decode()
        return len(queries)

    before = count()
    account = KinstaAccount.objects.get()
    for i in range(12):
        site = make_site(account, name=f"more-{i}")
        assign([site], client_a)
        add_points(site.live, metric="visits", days={persona_days()[-1]: 5})
        add_points(site.live, metric="disk_usage", days={persona_days()[-1]: 5})
    assert count() == before


@pytest.mark.needs("pango")
def test_the_pdf_and_the_email_show_the_section(client, staff_user, client_a, settings, tmp_path):
    from datetime import date

    from django.core import mail

    from dashboard.delivery.sends import deliver, ensure_send
    from tests.pdf_text import pdf_text

    ClientQuota.objects.create(client=client_a, visits=1_000)
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    settings.REPORTS_ROOT = tmp_path
    client.force_login(staff_user)
    text = pdf_text(client.get("/clients/acme/report.pdf?period=30d").content)
    assert "Plan usage" in text and "Your hosting quota" in text
    send, _ = ensure_send(client=client_a, period=Period(date(2026, 11, 1), date(2026, 11, 30)), compare="none",
                          recipients=["boss@acme.example"])  # fmt: skip
    deliver(send.pk)
    send.refresh_from_db()
    stored = send.numbers["sections"]["usage-quota"]
    assert stored["month_start"] == "2026-11-01" and stored["finished"] is True
    assert stored["rows"][0]["quota"] == 1_000
    message = mail.outbox[-1]
    assert "Plan usage (2026-11-01 \u2013 2026-11-30)" in message.body
    assert "Your hosting quota in the billing month 2026-11-01 to 2026-11-30" in message.alternatives[0][0]
