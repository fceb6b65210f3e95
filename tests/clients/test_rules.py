"""Mapping rules: each kind, priority and conflicts, preview equals apply, hand assignments win, and the
rules running after every sync (against the fake Kinsta over HTTP)."""

from __future__ import annotations

from io import StringIO
from operator import itemgetter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from clients.assignment import assign_sites, unassign_sites
from clients.mapping import PlanChanged, apply_mapping_rules, preview_mapping_rules
from clients.models import MappingRule, SiteAssignment
from clients.rules import SiteFacts, rule_matches, validate_pattern
from kinsta_sync.models import Site
from kinsta_sync.sync import run_sync
from tests.factories import make_account, make_client, make_site


def assignments() -> dict[str, tuple[str, str]]:
    """{site name: (client slug, source)} for every assigned site."""
    return {a.site.name: (a.client.slug, a.source) for a in SiteAssignment.objects.select_related("site", "client")}


@pytest.fixture
def sites(db):
    """Four unmapped sites of one account, with labels and domains that the rules below aim at."""
    account = make_account()
    return {
        "acme-shop": make_site(account, name="acme-shop", display_name="Acme Shop", labels=["Acme Corp"],
                               domains=["shop.acme.com"], staging=True),
        "acme-home": make_site(account, name="acme-home", display_name="Acme", domains=["acme.com", "www.acme.com"]),
        "globex": make_site(account, name="globex", display_name="Globex Corporation", labels=["Globex"],
                            domains=["globex.com"]),
        "initech": make_site(account, name="initech", display_name="Initech \u2013 TPS",
                             domains=["initech.io"]),
    }  # fmt: skip


@pytest.fixture
def acme(db):
    return make_client("Acme", slug="acme")


@pytest.fixture
def globex(db):
    return make_client("Globex", slug="globex")


# --- Each kind of rule ----------------------------------------------------------------------------------


def facts(*, labels=(), domains=(), names=()) -> SiteFacts:
    return SiteFacts.build(labels=list(labels), domains=list(domains), names=list(names))


def test_a_label_rule_matches_the_whole_label_whatever_its_case():
    site = facts(labels=["Acme Corp", "VIP"])
    assert rule_matches(kind="label", pattern="acme corp", facts=site)
    assert rule_matches(kind="label", pattern="  VIP ", facts=site)
    assert not rule_matches(kind="label", pattern="Acme", facts=site)
    assert not rule_matches(kind="label", pattern="Acme*", facts=site)  # labels are compared, not globbed


def test_a_domain_rule_is_a_glob_over_every_domain():
    site = facts(domains=["shop.acme.com", "www.shop.acme.com", "shopacme.kinsta.cloud"])
    assert rule_matches(kind="domain", pattern="*.acme.com", facts=site)
    assert rule_matches(kind="domain", pattern="SHOP.ACME.COM", facts=site)
    assert rule_matches(kind="domain", pattern="shopacme.kinsta.cloud", facts=site)
    assert not rule_matches(kind="domain", pattern="acme.com", facts=site)
    assert not rule_matches(kind="domain", pattern="*.acme.co", facts=site)


def test_a_subdomain_glob_does_not_match_the_bare_domain():
    assert not rule_matches(kind="domain", pattern="*.acme.com", facts=facts(domains=["acme.com"]))
    assert not rule_matches(kind="domain", pattern="*.acme.com", facts=facts(domains=["notacme.com"]))


def test_a_name_rule_is_a_glob_over_the_name_and_the_display_name():
    site = facts(names=["acme-shop", "Acme Shop \u2013 Deutschland"])
    assert rule_matches(kind="name", pattern="acme-*", facts=site)
    assert rule_matches(kind="name", pattern="acme shop*", facts=site)
    assert rule_matches(kind="name", pattern="*deutschland", facts=site)
    assert not rule_matches(kind="name", pattern="acme", facts=site)


def test_hostile_label_patterns_match_literally():
    formula = '=HYPERLINK("http://evil.example","click")'
    assert rule_matches(kind="label", pattern=formula, facts=facts(labels=[formula]))
    assert rule_matches(kind="label", pattern="عميل مميز", facts=facts(labels=["\u200fعميل مميز\u200f"]))


GLOBS = ["*.acme.com", "acme.com", "*acme*", "acme-*", "a?me.com", "[as]hop.acme.com", "shop.*.com", "*", "[ab",
         "*.", "*com", "Shop.Acme.COM", "*.*", "?", ""]  # fmt: skip
VALUES = ["shop.acme.com", "acme.com", "www.acme.com.evil", "acme-shop", "ahop.acme.com", "[ab", "acme", "."]


@pytest.mark.parametrize("pattern", GLOBS)
def test_the_rule_index_matches_exactly_like_fnmatch(pattern):
    from fnmatch import fnmatchcase

    from clients.rules import RuleIndex, normalize

    for value in VALUES:
        index = RuleIndex([("domain", pattern), ("name", pattern)], kind=itemgetter(0), pattern=itemgetter(1))
        expected = bool(normalize(pattern)) and fnmatchcase(normalize(value), normalize(pattern))
        found = index.matching(facts(domains=[value], names=[value]))
        assert found == ([("domain", pattern), ("name", pattern)] if expected else []), (pattern, value)


def test_the_rule_index_keeps_the_rules_order(sites):
    from clients.rules import RuleIndex

    rules = [("name", "acme-*"), ("label", "acme corp"), ("domain", "shop.acme.com"), ("domain", "*.com")]
    site = facts(labels=["Acme Corp"], domains=["shop.acme.com"], names=["acme-shop"])

    assert RuleIndex(rules, kind=itemgetter(0), pattern=itemgetter(1)).matching(site) == rules
    assert RuleIndex(rules[::-1], kind=itemgetter(0), pattern=itemgetter(1)).matching(site) == rules[::-1]


def test_the_preview_normalises_each_pattern_once_not_once_per_site(sites, acme, globex, monkeypatch):
    from clients import rules as rules_module

    # Spelt unlike any site's label, domain or name, so the calls that normalise them can be told apart.
    rules = [(acme, "label", "ACME CORP"), (acme, "domain", "WWW.Acme.com"), (globex, "name", "globex*"),
             (globex, "domain", "*.io")]  # fmt: skip
    for client, kind, pattern in rules:
        MappingRule.objects.create(client=client, kind=kind, pattern=pattern)
    patterns = [pattern for _, _, pattern in rules]
    normalize, calls = rules_module.normalize, []

    def counting(value: str) -> str:
        calls.append(value)
        return normalize(value)

    monkeypatch.setattr(rules_module, "normalize", counting)

    plan = preview_mapping_rules()

    assert len(plan.assignments) == 4  # acme-shop, acme-home, globex, initech
    assert sorted(value for value in calls if value in patterns) == sorted(patterns)


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [("domain", "*"), ("domain", "https://acme.com/"), ("domain", "acme .com"), ("name", "**"), ("label", "  ")],
)
def test_it_refuses_patterns_that_would_match_everything_or_nothing(kind, pattern):
    with pytest.raises(ValidationError):
        validate_pattern(kind=kind, pattern=pattern)


def test_it_assigns_sites_by_each_kind_of_rule(sites, acme, globex):
    MappingRule.objects.create(client=acme, kind="label", pattern="acme corp")
    MappingRule.objects.create(client=acme, kind="domain", pattern="www.acme.com")
    MappingRule.objects.create(client=globex, kind="name", pattern="globex*")

    plan = apply_mapping_rules()

    assert assignments() == {
        "acme-shop": ("acme", "rule"),
        "acme-home": ("acme", "rule"),
        "globex": ("globex", "rule"),
    }
    assert len(plan.assignments) == 3 and plan.conflicts == []
    assert SiteAssignment.objects.get(site__name="acme-home").rule.pattern == "www.acme.com"


def test_a_domain_rule_also_matches_staging_domains(sites, acme):
    MappingRule.objects.create(client=acme, kind="domain", pattern="stg-*.kinsta.cloud")
    apply_mapping_rules()
    assert assignments() == {"acme-shop": ("acme", "rule")}


def test_inactive_rules_and_rules_of_inactive_clients_take_nothing(sites, acme, globex):
    MappingRule.objects.create(client=acme, kind="label", pattern="Acme Corp", is_active=False)
    MappingRule.objects.create(client=globex, kind="label", pattern="Globex")
    globex.is_active = False
    globex.save()

    plan = apply_mapping_rules()

    assert plan.assignments == [] and assignments() == {}


# --- Priority and conflicts -----------------------------------------------------------------------------


def test_the_higher_priority_wins_and_the_conflict_is_shown(sites, acme, globex):
    low = MappingRule.objects.create(client=acme, kind="domain", pattern="*.com", priority=1)
    high = MappingRule.objects.create(client=globex, kind="name", pattern="globex", priority=5)

    plan = apply_mapping_rules()

    assert assignments()["globex"] == ("globex", "rule")
    assert assignments()["acme-home"] == ("acme", "rule")
    [conflict] = plan.conflicts
    assert conflict.site.name == "globex"
    assert conflict.winner == high and conflict.losers == [low]
    assert any("conflict: Globex Corporation (globex) → Globex" in line for line in plan.lines())


def test_equal_priorities_of_different_clients_leave_the_site_unmapped(sites, acme, globex):
    MappingRule.objects.create(client=acme, kind="domain", pattern="globex.com", priority=3)
    MappingRule.objects.create(client=globex, kind="label", pattern="Globex", priority=3)

    plan = apply_mapping_rules()

    assert "globex" not in assignments()
    [conflict] = plan.conflicts
    assert conflict.winner is None and {rule.client for rule in conflict.losers} == {acme, globex}
    assert any("same priority, left unmapped" in line for line in plan.lines())


def test_two_rules_of_one_client_are_no_conflict(sites, acme):
    MappingRule.objects.create(client=acme, kind="label", pattern="Acme Corp", priority=0)
    domain = MappingRule.objects.create(client=acme, kind="domain", pattern="*.acme.com", priority=2)

    plan = apply_mapping_rules()

    assert plan.conflicts == []
    assert SiteAssignment.objects.get(site__name="acme-shop").rule == domain


# --- Preview and apply ----------------------------------------------------------------------------------


def planned(plan) -> set[tuple[int, int, int]]:
    return {(a.site.pk, a.client.pk, a.rule.pk) for a in plan.assignments}


def test_the_preview_writes_nothing(sites, acme):
    MappingRule.objects.create(client=acme, kind="label", pattern="Acme Corp")
    plan = preview_mapping_rules()
    dry = apply_mapping_rules(dry_run=True)
    assert len(plan.assignments) == len(dry.assignments) == 1
    assert SiteAssignment.objects.count() == 0


def test_the_apply_writes_exactly_what_the_preview_showed(account, agency):
    run_sync(account=account)  # no rules yet: nothing is mapped
    acme, globex = make_client("Acme", slug="acme"), make_client("Globex", slug="globex")
    labelled = next(s for s in agency.sites if s.labels)
    MappingRule.objects.create(client=acme, kind="label", pattern=labelled.labels[0].name, priority=1)
    MappingRule.objects.create(client=globex, kind="domain", pattern="*.kinsta.cloud", priority=0)
    MappingRule.objects.create(client=acme, kind="name", pattern="*-*", priority=0)
    preview = preview_mapping_rules()
    assert preview.assignments and preview.conflicts  # an interesting plan: some sites, some conflicts

    applied = apply_mapping_rules(expected_fingerprint=preview.fingerprint)

    stored = set(SiteAssignment.objects.values_list("site_id", "client_id", "rule_id"))
    assert planned(preview) == planned(applied) == stored
    assert [(c.site.pk, c.winner and c.winner.pk) for c in preview.conflicts] == [
        (c.site.pk, c.winner and c.winner.pk) for c in applied.conflicts
    ]


def test_the_apply_refuses_a_plan_that_changed_since_the_preview(sites, acme, globex):
    MappingRule.objects.create(client=acme, kind="label", pattern="Acme Corp")
    preview = preview_mapping_rules()
    MappingRule.objects.create(client=globex, kind="label", pattern="Globex")

    with pytest.raises(PlanChanged):
        apply_mapping_rules(expected_fingerprint=preview.fingerprint)
    assert SiteAssignment.objects.count() == 0


# --- Hand assignments win -------------------------------------------------------------------------------


def test_rules_never_move_a_site_assigned_by_hand(sites, acme, globex):
    assign_sites(sites=[sites["acme-shop"]], client=globex)
    MappingRule.objects.create(client=acme, kind="label", pattern="Acme Corp", priority=100)

    plan = apply_mapping_rules()

    assert plan.assignments == []
    assert assignments() == {"acme-shop": ("globex", "manual")}


def test_a_hand_assignment_replaces_a_rule_assignment(sites, acme, globex):
    MappingRule.objects.create(client=acme, kind="label", pattern="Acme Corp")
    apply_mapping_rules()
    assert assignments() == {"acme-shop": ("acme", "rule")}

    assign_sites(sites=[sites["acme-shop"]], client=globex)

    assert assignments() == {"acme-shop": ("globex", "manual")}
    assert SiteAssignment.objects.get().rule is None


def test_an_unassigned_site_can_be_mapped_by_the_rules_again(sites, acme):
    MappingRule.objects.create(client=acme, kind="label", pattern="Acme Corp")
    apply_mapping_rules()
    assert unassign_sites(sites=[sites["acme-shop"]]) == 1
    assert assignments() == {}
    apply_mapping_rules()
    assert assignments() == {"acme-shop": ("acme", "rule")}


# --- After every sync (the fake Kinsta over HTTP) -------------------------------------------------------


def test_the_rules_run_after_every_sync(account, agency):
    acme = make_client("Acme", slug="acme")
    target = agency.sites[0]
    MappingRule.objects.create(client=acme, kind="name", pattern=target.name)

    run_sync(account=account)

    assert assignments() == {target.name: ("acme", "rule")}


def test_a_hand_assignment_survives_syncs_and_rules(account, agency):
    run_sync(account=account)
    acme, globex = make_client("Acme", slug="acme"), make_client("Globex", slug="globex")
    site = Site.objects.get(kinsta_id=agency.sites[1].id)
    assign_sites(sites=[site], client=acme)
    MappingRule.objects.create(client=globex, kind="name", pattern=site.name, priority=99)

    run_sync(account=account)
    apply_mapping_rules()

    assert assignments()[site.name] == ("acme", "manual")


def test_an_assignment_survives_the_sites_removal_from_kinsta(account, agency):
    run_sync(account=account)
    acme = make_client("Acme", slug="acme")
    gone = agency.sites[2]
    site = Site.objects.get(kinsta_id=gone.id)
    assign_sites(sites=[site], client=acme)

    agency.remove_site(gone.id)
    run_sync(account=account)

    site.refresh_from_db()
    assert site.removed_at is not None
    assert site.assignment.client == acme


def test_rules_also_give_a_removed_site_its_client(account, agency):
    """A site removed before anyone mapped it keeps its history; a rule still attributes it."""
    run_sync(account=account)
    gone = agency.sites[3]
    agency.remove_site(gone.id)
    run_sync(account=account)
    acme = make_client("Acme", slug="acme")
    MappingRule.objects.create(client=acme, kind="name", pattern=gone.name)

    apply_mapping_rules()

    assert assignments() == {gone.name: ("acme", "rule")}


# --- The command ----------------------------------------------------------------------------------------


def test_the_command_prints_assignments_and_conflicts(sites, acme, globex):
    MappingRule.objects.create(client=acme, kind="domain", pattern="*.com", priority=1)
    MappingRule.objects.create(client=globex, kind="label", pattern="Globex", priority=2)
    out = StringIO()

    call_command("apply_mapping_rules", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "would assign Acme (acme-home) → Acme" in text
    assert "would assign Globex Corporation (globex) → Globex" in text
    assert "conflict: Globex Corporation (globex) → Globex" in text
    assert "Would assign 3 of 4 unmapped site(s)" in text
    assert SiteAssignment.objects.count() == 0

    call_command("apply_mapping_rules", stdout=out)
    assert "assigned Acme (acme-home) → Acme" in out.getvalue()
    assert SiteAssignment.objects.count() == 3


# --- The demo -------------------------------------------------------------------------------------------


def demo_agency():
    """The demo's agency (seed 7, 60 sites), with little history so the sync is quick."""
    from kinsta_sync.fake.data import AgencySpec, FakeAgency

    return FakeAgency.generate(AgencySpec(seed=7, sites=60, days=3, users=2, activity_events=5))


@pytest.mark.parametrize("agency", [demo_agency()], ids=["demo-agency"])  # overrides the conftest fixture
def test_the_demo_maps_most_sites_and_leaves_a_handful(agency, account, settings):
    from clients.models import ClientMembership
    from clients.selectors import unmapped_sites

    settings.KINSTA_BACKFILL_DAYS = 2
    run_sync(account=account)
    assert Site.objects.count() == 60
    out = StringIO()

    call_command("demo_setup", "--password", "demo-pass-123", stdout=out)
    call_command("demo_setup", "--password", "demo-pass-123", stdout=out)  # a second run changes nothing

    left = unmapped_sites().count()
    assert 3 <= left <= 8, out.getvalue()
    assert SiteAssignment.objects.count() == 60 - left
    assert {a.source for a in SiteAssignment.objects.all()} == {"rule"}
    used = set(SiteAssignment.objects.values_list("rule__kind", flat=True))
    assert used == {"label", "domain", "name"}
    assert ClientMembership.objects.get(user__username="client@example.com").client.slug == "acme-corp"
    assert f"{60 - left} of 60 sites have a client, {left} are left" in out.getvalue()
    assert "Client login: client@example.com" in out.getvalue()


# --- Query counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_sites", [3, 30])
def test_the_preview_runs_a_fixed_number_of_queries_whatever_the_number_of_sites(
    db, django_assert_num_queries, n_sites
):
    account = make_account()
    acme = make_client("Acme", slug="acme")
    for i in range(n_sites):
        make_site(account, name=f"site-{i}", labels=[f"label-{i % 3}"], domains=[f"s{i}.acme.com"], staging=i % 2 == 0)
    MappingRule.objects.create(client=acme, kind="label", pattern="label-1")
    MappingRule.objects.create(client=acme, kind="domain", pattern="*.acme.com")

    # rules, sites, their labels, their environments
    with django_assert_num_queries(4):
        plan = preview_mapping_rules()
    assert len(plan.assignments) == n_sites
