"""From the fake Kinsta over HTTP to the report: the section's figures are the fake's, summed over the period's
days, and a German report names the fake's countries in German."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from babel import Locale
from django.db.models import Q

from dashboard.reports.periods import Period
from dashboard.traffic.countries import country_code
from dashboard.traffic.selectors import traffic_quality
from kinsta_sync.models import Site, today_utc
from kinsta_sync.sync import run_sync
from tests.factories import assign, make_client

pytestmark = pytest.mark.django_db


def test_the_section_sums_the_fakes_days_and_names_countries_in_german(client, account, agency, staff_user):
    assert run_sync(account=account).status == "success"
    customer = make_client("Nordlicht", slug="nordlicht", language="de")
    assign(Site.objects.all(), customer)
    yesterday = today_utc() - timedelta(days=1)
    period = Period(yesterday - timedelta(days=13), yesterday)

    traffic = traffic_quality(where=Q(environment__site__assignment__client=customer), period=period, compare=None)

    codes, countries = Counter(), Counter()
    for site in agency.active_sites():
        for day in period.iter_days():
            day_data = agency.traffic_day(site.live.id, day)
            if day_data:
                codes.update(day_data.codes)
        top = agency.traffic_day(site.live.id, yesterday)  # the first sync's one day of top lists
        if top:
            countries.update(dict(top.countries))
    total = sum(codes.values())
    assert traffic.requests == total
    assert traffic.share_5xx == pytest.approx(sum(v for k, v in codes.items() if k.startswith("5")) / total)
    assert traffic.list_days == 1
    first, count = countries.most_common(1)[0]
    assert (traffic.countries[0].name, traffic.countries[0].value) == (first, count)

    client.force_login(staff_user)
    start, end = period.start.isoformat(), period.end.isoformat()
    html = client.get(f"/clients/nordlicht/?start={start}&end={end}", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    german = Locale.parse("de").territories[country_code(first)]
    assert "Zielgruppe und Fehler" in html and german in html
    assert "Top-Listen für 1 von 14 Tagen" in html
