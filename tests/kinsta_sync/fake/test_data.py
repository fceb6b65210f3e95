"""kinsta_sync.fake.data (gen_sites, gen_company, hostile): the generated agency, its analytics and activity."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from kinsta_sync.fake.data import AgencySpec, FakeAgency
from tests.kinsta_sync.fake.helpers import SPEC, TODAY

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")


# --- generated data ---------------------------------------------------------------------------------


def test_it_generates_the_same_agency_from_the_same_seed(agency: FakeAgency) -> None:
    again = FakeAgency.generate(SPEC)
    assert again.company_id == agency.company_id
    assert [(s.id, s.name, s.display_name) for s in again.sites] == [
        (s.id, s.name, s.display_name) for s in agency.sites
    ]
    assert [(a.id, a.created_at, a.descriptions) for a in again.activity] == [
        (a.id, a.created_at, a.descriptions) for a in agency.activity
    ]
    env = agency.live_environments()[0]
    days = [TODAY - timedelta(days=i) for i in range(30)]
    assert [again.analytics_value(env.id, "visits", d) for d in days] == [
        agency.analytics_value(env.id, "visits", d) for d in days
    ]


def test_it_generates_a_different_agency_from_another_seed(agency: FakeAgency) -> None:
    other = FakeAgency.generate(AgencySpec(seed=6, sites=12, days=90, today=TODAY))
    assert other.company_id != agency.company_id
    assert {s.id for s in other.sites}.isdisjoint({s.id for s in agency.sites})


def test_it_gives_every_site_one_live_environment_and_some_a_staging_one() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=3, sites=60, today=TODAY))
    assert len(agency.sites) == 60
    for site in agency.sites:
        assert [env.name for env in site.environments].count("live") == 1
    staged = [s for s in agency.sites if any(env.name == "staging" for env in s.environments)]
    assert 8 <= len(staged) <= 30  # ~30 % of 60
    for site in staged:
        staging = next(env for env in site.environments if env.name == "staging")
        assert re.fullmatch(r"stg-[a-z0-9]+\.kinsta\.cloud", staging.primary_domain.name)


def test_it_groups_brand_sites_under_a_shared_label_and_leaves_some_unlabeled() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=3, sites=60, hostile=False, today=TODAY))
    by_label = Counter(label.name for site in agency.sites for label in site.labels)
    assert max(by_label.values()) >= 3
    assert any(not site.labels for site in agency.sites)
    acme = [site for site in agency.sites if any(label.name == "Acme Corp" for label in site.labels)]
    assert acme, "the Acme Corp brand is always among the first brands of 60 sites"
    assert all(site.live.primary_domain.name.endswith("acme-corp.com") for site in acme)


def test_it_keeps_every_domain_a_valid_hostname_even_with_hostile_names() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=9, sites=60, hostile=True, today=TODAY))
    names = [d.name for s in agency.sites for env in s.environments for d in env.domains]
    assert names
    assert all(HOSTNAME.match(name) for name in names), [n for n in names if not HOSTNAME.match(n)]
    assert len(set(names)) == len(names)


def test_it_includes_hostile_but_legal_strings_only_when_asked() -> None:
    hostile = FakeAgency.generate(AgencySpec(seed=2, sites=30, today=TODAY))
    text = "\n".join(
        [
            *(s.display_name for s in hostile.sites),
            *(label.name for s in hostile.sites for label in s.labels),
            *(u.full_name for u in hostile.users),
            *(d for a in hostile.activity for d in a.descriptions),
        ]
    )
    for needle in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '=HYPERLINK("http://evil.example"',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "東京",
        "\u200f",
        "Müller",
        "🍕",
    ):
        assert needle in text, needle
    assert max(len(s.display_name) for s in hostile.sites) >= 300
    assert any("<script>" in u.full_name for u in hostile.users)
    assert any("<script>" in d for a in hostile.activity for d in a.descriptions)

    tame = FakeAgency.generate(AgencySpec(seed=2, sites=30, hostile=False, today=TODAY))
    tame_text = json.dumps([s.display_name for s in tame.sites] + [u.full_name for u in tame.users])
    assert "<" not in tame_text
    assert not any(s.display_name.startswith(("=", "+", "-", "@")) for s in tame.sites)


def test_it_has_no_analytics_before_a_site_was_created() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=4, sites=60, days=120, today=TODAY))
    young = [s for s in agency.sites if s.created_day > agency.first_day]
    assert young, "about one site in ten is created inside the history window"
    site = young[0]
    env = site.live
    assert agency.analytics_value(env.id, "visits", site.created_day - timedelta(days=1)) is None
    after = [agency.analytics_value(env.id, "diskspace", site.created_day + timedelta(days=i)) for i in range(3)]
    assert any(value is not None for value in after)


def test_it_leaves_a_few_random_days_without_data() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=4, sites=60, days=120, today=TODAY))
    gaps = 0
    for site in agency.sites:
        start = max(site.created_day, agency.first_day)
        days = [start + timedelta(days=i) for i in range((TODAY - start).days + 1)]
        gaps += sum(agency.analytics_value(site.live.id, "visits", d) is None for d in days)
    assert 3 <= gaps <= 60


def test_it_makes_weekends_quieter_and_staging_tiny() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=8, sites=40, days=84, today=TODAY, hostile=False))
    weekday, weekend = Counter(), Counter()
    for env in agency.live_environments():
        for i in range(84):
            day = TODAY - timedelta(days=i)
            value = agency.analytics_value(env.id, "visits", day) or 0
            (weekend if day.weekday() >= 5 else weekday)["sum"] += value
    assert weekend["sum"] / 2 < 0.85 * weekday["sum"] / 5
    staging = [env for s in agency.sites for env in s.environments if env.name == "staging"]
    live_mean = weekday["sum"] / 5 / 12 / len(agency.live_environments())
    for env in staging:
        values = [agency.analytics_value(env.id, "visits", TODAY - timedelta(days=i)) or 0 for i in range(28)]
        assert max(values) < max(20, live_mean / 5)


def test_it_derives_bandwidth_from_visits_and_cdn_from_bandwidth(agency: FakeAgency) -> None:
    env = agency.live_environments()[0]
    day = next(
        TODAY - timedelta(days=i)
        for i in range(30)
        if (agency.analytics_value(env.id, "visits", TODAY - timedelta(days=i)) or 0) > 0
    )
    visits = agency.analytics_value(env.id, "visits", day)
    bandwidth = agency.analytics_value(env.id, "bandwidth", day)
    cdn = agency.analytics_value(env.id, "cdn-bandwidth", day)
    assert visits and bandwidth and cdn is not None
    assert 500_000 < bandwidth / visits < 10_000_000
    assert 0 < cdn < bandwidth
    disk = [agency.analytics_value(env.id, "diskspace", TODAY - timedelta(days=i)) for i in range(60)]
    assert all(isinstance(v, int) and v > 100_000_000 for v in disk if v is not None)


def test_it_logs_site_activity_only_after_the_site_exists() -> None:
    agency = FakeAgency.generate(AgencySpec(seed=4, sites=60, days=120, today=TODAY))
    created = {site.id: site.created_day for site in agency.sites}
    site_events = [a for a in agency.activity if a.site_id]
    assert site_events
    for event in site_events:
        assert datetime.fromtimestamp(event.created_at / 1000, UTC).date() >= created[event.site_id]
