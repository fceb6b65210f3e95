"""dashboard.traffic: the "Audience and errors" section on the report, site and share pages, the PDF and the
e-mail, and the overview's "5xx share" column; escaped, per client, in the report's language, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from dashboard.reports.periods import Period
from dashboard.traffic.selectors import five_xx_by_client, traffic_quality
from kinsta_sync.fake.hostile import FORMULAS, XSS_SCRIPT
from kinsta_sync.models import Site, TrafficKind, TrafficPoint, today_utc
from tests.factories import assign, make_client, make_site

pytestmark = pytest.mark.django_db

HOSTILE_REFERRER = f"https://evil.example/{XSS_SCRIPT}"


def add_traffic(env, kind: str, days: dict) -> None:  # type: ignore[no-untyped-def]
    TrafficPoint.objects.bulk_create(
        TrafficPoint(environment=env, kind=kind, day=day, key=key, value=value)
        for day, values in days.items()
        for key, value in values.items()
    )


def last_days(count: int, *, before: int = 0) -> list:  # type: ignore[no-untyped-def]
    yesterday = today_utc() - timedelta(days=1 + before)
    return [yesterday - timedelta(days=i) for i in range(count)]


@pytest.fixture
def acme_traffic(client_a):  # type: ignore[no-untyped-def]
    """Acme's shop: 7 days of 1,000 requests (20 of them 404, 10 a 502), the 7 days before with 5 502s a day;
    top lists and a device split; its blog has its own 5xx-heavy day."""
    shop = Site.objects.get(name="acme-shop").environments.get(is_live=True)
    blog = Site.objects.get(name="acme-blog").environments.get(is_live=True)
    now, before = last_days(7), last_days(7, before=7)
    add_traffic(shop, TrafficKind.RESPONSE_CODE, {d: {"200": 970, "404": 20, "502": 10} for d in now})
    add_traffic(shop, TrafficKind.RESPONSE_CODE, {d: {"200": 995, "502": 5} for d in before})
    add_traffic(blog, TrafficKind.RESPONSE_CODE, {now[0]: {"200": 50, "503": 50}})
    add_traffic(shop, TrafficKind.COUNTRY, {d: {"Germany": 60, "United States": 30, "Japan": 10} for d in now})
    add_traffic(
        shop, TrafficKind.REFERRER, {d: {"www.google.com": 70, HOSTILE_REFERRER: 20, FORMULAS[0]: 10} for d in now}
    )
    add_traffic(shop, TrafficKind.DEVICE, {d: {"desktop": 6000, "mobile": 3500, "tablet": 500} for d in now})
    return client_a


def section_html(html: str) -> str:
    start = html.index('class="card traffic"')
    return html[start : html.index("</section>", start)]


def test_the_report_shows_error_shares_with_the_comparison_lists_and_devices(client, staff_user, acme_traffic):
    client.force_login(staff_user)
    html = section_html(client.get("/clients/acme/?period=7d&compare=previous").content.decode())
    # 4xx: 140 of 7,100 requests; 5xx: 70 + 50 of 7,100; before: 35 of 7,000.
    assert "Audience and errors" in html
    assert f"{140 / 7100 * 100:.2f}\u00a0%" in html
    assert f"{120 / 7100 * 100:.2f}\u00a0%" in html and f"{35 / 7000 * 100:.2f}\u00a0%" in html
    assert "+1.2\u00a0pp" in html  # 1.69 % against 0.50 %
    assert "Germany" in html and "60.0\u00a0%" in html
    assert "Desktop" in html and "60.0\u00a0%" in html
    assert "top list of each day, summed over the period" in html
    assert 'data-figure="traffic-responses-data"' in html


def test_a_period_without_data_says_no_data_never_zero(client, staff_user, client_a):
    client.force_login(staff_user)
    html = section_html(client.get("/clients/acme/?period=7d").content.decode())
    assert html.count("no data") >= 5  # 4xx, 5xx, countries, referrers, devices
    assert "0.0\u00a0%" not in html and "0.00\u00a0%" not in html
    assert "traffic-responses" not in html  # no chart of nothing


def test_hostile_referrers_are_inert_on_the_page_and_the_share_page(client, staff_user, acme_traffic):
    from dashboard.delivery.sharing import create_share_link, share_path

    client.force_login(staff_user)
    for url in ("/clients/acme/?period=7d", share_path(create_share_link(client=acme_traffic, query={"period": "7d"},
                                                                         days=7, created_by=staff_user))):  # fmt: skip
        html = client.get(url).content.decode()
        assert XSS_SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section_html(html)


def test_the_section_shows_only_its_clients_data(client, staff_user, acme_traffic, client_b):
    globex = Site.objects.get(name="globex-main").environments.get(is_live=True)
    add_traffic(globex, TrafficKind.REFERRER, {last_days(1)[0]: {"globex-secret.example": 999}})
    add_traffic(globex, TrafficKind.RESPONSE_CODE, {last_days(1)[0]: {"500": 999}})
    client.force_login(staff_user)
    acme = section_html(client.get("/clients/acme/?period=7d").content.decode())
    assert "globex-secret.example" not in acme
    assert f"{120 / 7100 * 100:.2f}\u00a0%" in acme  # Globex's 999 server errors are not Acme's
    globex_html = section_html(client.get("/clients/globex/?period=7d").content.decode())
    assert "globex-secret.example" in globex_html and "www.google.com" not in globex_html


def test_the_site_page_shows_its_site_only(client, staff_user, acme_traffic):
    blog = Site.objects.get(name="acme-blog")
    client.force_login(staff_user)
    html = section_html(client.get(f"/clients/acme/sites/{blog.pk}/?period=7d").content.decode())
    assert "50.00\u00a0%" in html  # the blog's one day: 50 of 100 are 503
    assert "www.google.com" not in html  # the shop's referrers


def test_the_overview_column_links_the_worst_site(client, staff_user, acme_traffic, client_b):
    client.force_login(staff_user)
    html = client.get("/?period=7d").content.decode()
    blog = Site.objects.get(name="acme-blog")
    assert "5xx share</th>" in html
    assert f'href="/clients/acme/sites/{blog.pk}/"' in html  # 50 % beats the shop's 1 %
    assert f"{120 / 7100 * 100:.2f}\u00a0%</a>" in html


@pytest.mark.needs("pango")
def test_the_pdf_shows_the_section_with_hostile_strings_as_text_and_countries_in_german(
    client, staff_user, acme_traffic, settings, screenshot_dir
):
    from tests.pdf_text import pdf_text

    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    acme_traffic.language = "de"
    acme_traffic.save()
    client.force_login(staff_user)
    content = client.get("/clients/acme/report.pdf?period=7d").content
    (screenshot_dir / "traffic-report-de.pdf").write_bytes(content)  # for people to look at
    text = pdf_text(content)
    assert "Zielgruppe und Fehler" in text
    words = " ".join(text.split())  # the list columns are narrow: names wrap
    assert "Deutschland" in words and "Vereinigte Staaten" in words
    assert "Germany" not in words
    assert "evil.example/<script>alert(1)</script>" in "".join(text.split())  # shown as text, never run


@pytest.mark.needs("pango")
def test_the_email_shows_what_the_send_stored(acme_traffic, settings, tmp_path):
    from dashboard.delivery.sends import deliver, ensure_send

    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    settings.REPORTS_ROOT = tmp_path
    period = Period(last_days(7)[-1], last_days(1)[0])
    send, _ = ensure_send(client=acme_traffic, period=period, compare="none", recipients=["boss@acme.example"])
    deliver(send.pk)
    send.refresh_from_db()
    stored = send.numbers["sections"]["traffic"]
    assert stored["countries"][0]["name"] == "Germany"
    TrafficPoint.objects.all().delete()  # the e-mail shows what was stored, not what is there now
    message = mail.outbox[-1]
    assert "Audience and errors" in message.body and "Germany 60.0\u00a0%" in message.body
    html = message.alternatives[0][0]
    assert XSS_SCRIPT not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("sites", [3, 30])
def test_queries_stay_constant_as_sites_grow(persona_account, sites, django_assert_num_queries):
    customer = make_client("Scale", slug="scale")
    made = [make_site(persona_account, name=f"scale-{i}") for i in range(sites)]
    assign(made, customer)
    for site in made:
        add_traffic(site.live, TrafficKind.RESPONSE_CODE, {d: {"200": 100, "500": 1} for d in last_days(14)})
        add_traffic(site.live, TrafficKind.COUNTRY, {d: {"Germany": 10} for d in last_days(14)})
        add_traffic(site.live, TrafficKind.DEVICE, {d: {"mobile": 10_000} for d in last_days(14)})
    period, compare = Period(last_days(7)[-1], last_days(7)[0]), Period(last_days(14)[-1], last_days(8)[0])
    from django.db.models import Q

    with django_assert_num_queries(2):
        traffic = traffic_quality(
            where=Q(environment__site__assignment__client=customer), period=period, compare=compare
        )
    assert traffic.requests == 101 * 7 * sites and traffic.countries[0].value == 70 * sites
    with django_assert_num_queries(1):
        cells = five_xx_by_client([customer.pk], period)
    assert cells[customer.pk].share_5xx == pytest.approx(1 / 101)


def test_the_summary_csv_carries_the_traffic_columns_formula_safe_and_per_client(
    client, staff_user, acme_traffic, client_b
):
    import csv
    import io

    globex = Site.objects.get(name="globex-main").environments.get(is_live=True)
    add_traffic(globex, TrafficKind.REFERRER, {last_days(1)[0]: {"globex-secret.example": 999}})
    shop = Site.objects.get(name="acme-shop").environments.get(is_live=True)
    TrafficPoint.objects.filter(environment=shop, kind=TrafficKind.REFERRER, key="www.google.com").delete()
    client.force_login(staff_user)
    response = client.get("/clients/acme/report-summary.csv?period=7d&compare=none")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    assert header[-5:] == ["requests", "share_4xx", "share_5xx", "top_country", "top_referrer"]
    records = {(r[1], r[2]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    live = next(r for r in records.values() if r["site"] == "Acme Shop" and r["is_live"] == "yes")
    assert live["requests"] == "7000" and float(live["share_4xx"]) == pytest.approx(0.02)
    assert live["top_country"] == "Germany"
    assert live["top_referrer"] == HOSTILE_REFERRER  # starts with "https", nothing to neutralise
    staging = next(r for r in records.values() if r["is_live"] == "no")
    assert staging["requests"] == "" and staging["top_country"] == ""
    assert "globex-secret.example" not in body

    TrafficPoint.objects.filter(environment=shop, kind=TrafficKind.REFERRER, key=HOSTILE_REFERRER).delete()
    body = b"".join(client.get("/clients/acme/report-summary.csv?period=7d").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    live = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == "Acme Shop" and r[3] == "yes")
    assert live["top_referrer"] == "'" + FORMULAS[0]  # a spreadsheet shows it, never runs it


@pytest.mark.needs("pango")
def test_a_german_clients_email_names_countries_and_devices_in_german(client_b, settings, tmp_path):
    from dashboard.delivery.sends import deliver, ensure_send

    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    settings.REPORTS_ROOT = tmp_path
    globex = Site.objects.get(name="globex-main").environments.get(is_live=True)
    add_traffic(globex, TrafficKind.COUNTRY, {d: {"Germany": 8, "Austria": 2} for d in last_days(7)})
    add_traffic(globex, TrafficKind.DEVICE, {d: {"mobile": 7000, "desktop": 3000} for d in last_days(7)})
    period = Period(last_days(7)[-1], last_days(1)[0])
    send, _ = ensure_send(client=client_b, period=period, compare="none", recipients=["chef@globex.example"])
    deliver(send.pk)
    body = mail.outbox[-1].body
    assert "Zielgruppe und Fehler" in body
    assert "Deutschland 80,0\u00a0%" in body and "Österreich 20,0\u00a0%" in body
    assert "Mobil 70,0\u00a0%" in body
    assert "5xx-Antworten: keine Daten" in body
