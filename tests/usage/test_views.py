"""The plan usage page and the allocation CSV: staff only, exact sums, formula-safe, constant queries."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.usage.models import Plan
from kinsta_sync.figures import CDN_BANDWIDTH, VISITS
from tests.factories import add_points, assign, make_account, make_client, make_member, make_site, make_user

pytestmark = pytest.mark.django_db

HEADER = [
    "client", "visits", "visits_share", "bandwidth_bytes", "bandwidth_share", "cdn_bandwidth_bytes",
    "cdn_bandwidth_share", "disk_bytes", "disk_share", "allocated_plan_cost", "allocated_overage_cost",
]  # fmt: skip
NOVEMBER = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]


@pytest.fixture
def world():
    account = make_account(name="Agency")
    Plan.objects.create(
        account=account, monthly_price=Decimal("99.99"), included_visits=100, included_cdn_gb=0, included_disk_gb=1
    )
    hostile = make_client('=HYPERLINK("http://evil")', slug="evil")
    plain = make_client("<b>Plain</b> & Co", slug="plain")
    for i, (client, visits) in enumerate(((hostile, 3), (plain, 7), (None, 1))):
        site = make_site(account, name=f"site-{i}")
        if client:
            assign([site], client)
        add_points(site.live, metric=VISITS, days=dict.fromkeys(NOVEMBER, visits))
        add_points(site.live, metric=CDN_BANDWIDTH, days={NOVEMBER[0]: 10**9})
    staff = make_user("staff", password="pw-staff-123!", is_staff=True)
    member = make_user("member", password="pw-client-123!")
    make_member(member, plain)
    return {"account": account, "staff": staff, "member": member, "hostile": hostile, "plain": plain}


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_allocation_csv_has_one_row_per_client_plus_unassigned_with_exact_sums(client, world):
    client.force_login(world["staff"])
    response = client.get("/usage/allocation.csv?month=2026-11")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "usage-allocation-2026-11.csv" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0] == HEADER
    body = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    # The hostile client name cannot run as a formula; it sorts by its own text.
    assert set(body) == {'\'=HYPERLINK("http://evil")', "<b>Plain</b> & Co", "Unassigned"}
    assert body["Unassigned"]["visits"] == "30"
    for share in ("visits_share", "cdn_bandwidth_share"):
        assert sum(Decimal(row[share]) for row in body.values()) == 1
    assert sum(Decimal(row["allocated_plan_cost"]) for row in body.values()) == Decimal("99.99")
    # 330 visits against 100: 230 over at $1/1000 = $0.23; 3 GB CDN against 0 at $0.10 = $0.30.
    assert sum(Decimal(row["allocated_overage_cost"]) for row in body.values()) == Decimal("0.53")


def test_a_bad_month_is_a_clear_400(client, world):
    client.force_login(world["staff"])
    for url, message in (
        ("/usage/allocation.csv?month=2026-13", "YYYY-MM"),
        ("/usage/?month=november", "YYYY-MM"),
        ("/usage/forecast.csv?month=2026-11&as_of=yesterday", "YYYY-MM-DD"),
        ("/usage/forecast.csv?month=2026-11&as_of=2026-10-31", "before the billing month"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.content.decode(), url


@pytest.mark.parametrize(
    "url", ["/usage/", "/usage/?month=2026-11", "/usage/allocation.csv?month=2026-11", "/usage/forecast.csv"]
)
def test_client_users_and_anonymous_visitors_are_refused(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.force_login(world["member"])
    response = client.get(url)
    assert response.status_code == 404
    assert b"Plain" not in response.content


def test_the_page_shows_the_company_against_the_plan_and_each_clients_share(client, world):
    client.force_login(world["staff"])
    response = client.get("/usage/?month=2026-11")
    assert response.status_code == 200
    page = response.content.decode()
    assert "&lt;b&gt;Plain&lt;/b&gt; &amp; Co" in page and "<b>Plain</b>" not in page
    assert "Unassigned" in page
    assert "330.0%" in page or "330.0 %" in page  # 330 visits of 100 included
    assert "$99.99" in page  # the plan's currency, USD by default
    assert 'aria-current="page">Plan usage' in page
    # The staff navigation links here from the other staff pages.
    assert 'href="/usage/"' in client.get("/sync/").content.decode()


def test_the_page_says_when_the_account_has_no_plan(client, world):
    Plan.objects.all().delete()
    client.force_login(world["staff"])
    page = client.get("/usage/?month=2026-11").content.decode()
    assert "no plan yet" in page
    assert "Unassigned" in page


def test_the_query_count_is_constant_as_sites_grow(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["staff"])

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(queries)

    urls = ("/usage/?month=2026-11", "/usage/allocation.csv?month=2026-11", "/usage/forecast.csv?month=2026-11")
    before = [count(url) for url in urls]
    for i in range(25):
        site = make_site(world["account"], name=f"more-{i}")
        assign([site], world["plain"] if i % 2 else world["hostile"])
        add_points(site.live, metric=VISITS, days=dict.fromkeys(NOVEMBER[:5], 2))
    after = [count(url) for url in urls]
    assert before == after
    assert all(n <= 14 for n in after), after


def test_money_is_shown_with_the_plans_currency_in_the_readers_language(client, world):
    Plan.objects.update(currency="EUR", monthly_price=Decimal("1234.50"))
    client.force_login(world["staff"])
    english = client.get("/usage/?month=2026-11").content.decode()
    assert "€1,234.50" in english
    german = client.get("/usage/?month=2026-11", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "1.234,50\xa0€" in german and "€1,234.50" not in german
    assert "0,23\xa0€" in german  # the visits' overage: 230 over at 1 per 1,000
    # The CSV keeps plain numbers, whatever the currency and the language.
    rows = _rows(client.get("/usage/allocation.csv?month=2026-11", HTTP_ACCEPT_LANGUAGE="de"))
    costs = [row[HEADER.index("allocated_plan_cost")] for row in rows[1:]]
    assert sum(Decimal(cost) for cost in costs) == Decimal("1234.50")
    assert not any("€" in cell or "$" in cell for row in rows for cell in row)
