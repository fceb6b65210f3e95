"""Mapping rules at work: the plan of what the active rules would assign (the preview), applying exactly
that plan, and the receiver that applies the rules after every sync.

Matching a rule against a site is clients.rules; this module decides which rule wins and writes the result.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from django.utils.translation import gettext

from clients.models import Client, MappingRule, SiteAssignment
from clients.rules import RuleIndex, SiteFacts
from kinsta_sync.models import Site

logger = logging.getLogger(__name__)


class PlannedAssignment(NamedTuple):
    site: Site
    client: Client
    rule: MappingRule


class Conflict(NamedTuple):
    """Rules of different clients match one site. `winner` is None when the top priorities tie:
    then the site stays unmapped until someone raises one rule's priority or maps the site by hand."""

    site: Site
    winner: MappingRule | None
    losers: list[MappingRule]


@dataclass
class MappingPlan:
    assignments: list[PlannedAssignment] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    rules: list[MappingRule] = field(default_factory=list)
    unmapped_count: int = 0  # unmapped sites the rules looked at
    dry_run: bool = True
    _by_site: dict[int, PlannedAssignment | Conflict] | None = field(default=None, repr=False, compare=False)
    _by_rule: dict[int, list[Site]] | None = field(default=None, repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """Identifies the plan, so an apply can check it does exactly what the preview showed."""
        parts = sorted(f"{a.site.pk}:{a.client.pk}:{a.rule.pk}" for a in self.assignments)
        return hashlib.sha256(",".join(parts).encode()).hexdigest()[:32]

    def sites_by_rule(self) -> dict[int, list[Site]]:
        """{rule id: the sites it would take}; built once per plan (list pages ask once per row)."""
        if self._by_rule is None:
            out: dict[int, list[Site]] = defaultdict(list)
            for assignment in self.assignments:
                out[assignment.rule.pk].append(assignment.site)
            self._by_rule = dict(out)
        return self._by_rule

    def by_site(self) -> dict[int, PlannedAssignment | Conflict]:
        """{site id: its planned assignment, or its conflict when the site stays unmapped}, for list pages
        that look up one site per row. Built once per plan."""
        if self._by_site is None:
            lookup: dict[int, PlannedAssignment | Conflict] = {a.site.pk: a for a in self.assignments}
            lookup.update((c.site.pk, c) for c in self.conflicts if c.winner is None)
            self._by_site = lookup
        return self._by_site

    def lines(self) -> list[str]:
        """Plain text for the command line and logs."""
        verb = "would assign" if self.dry_run else "assigned"
        out = [f"{verb} {a.site.display_name} ({a.site.name}) → {a.client.name} [{a.rule}]" for a in self.assignments]
        for conflict in self.conflicts:
            losers = "; ".join(str(rule) for rule in conflict.losers)
            if conflict.winner is None:
                out.append(
                    f"conflict: {conflict.site.display_name} ({conflict.site.name}) matches rules of different "
                    f"clients with the same priority, left unmapped: {losers}"
                )
            else:
                out.append(
                    f"conflict: {conflict.site.display_name} ({conflict.site.name}) → {conflict.winner.client.name} "
                    f"by [{conflict.winner}] (priority {conflict.winner.priority}); also matched: {losers}"
                )
        return out

    def summary(self) -> str:
        counts = {
            "assigned": len(self.assignments),
            "unmapped": self.unmapped_count,
            "rules": len(self.rules),
            "conflicts": len(self.conflicts),
        }
        if self.dry_run:
            text = gettext(
                "Would assign %(assigned)d of %(unmapped)d unmapped site(s) by %(rules)d active rule(s); "
                "%(conflicts)d conflict(s)."
            )
        else:
            text = gettext(
                "Assigned %(assigned)d of %(unmapped)d unmapped site(s) by %(rules)d active rule(s); "
                "%(conflicts)d conflict(s)."
            )
        return text % counts


class PlanChanged(Exception):
    """The rules or sites changed between the preview and the apply; nothing was written."""

    def __init__(self, plan: MappingPlan) -> None:
        super().__init__(
            gettext("The rules or the sites changed since the preview; nothing was written. Review it again.")
        )
        self.plan = plan


def _site_domains(site: Site) -> list[str]:
    domains = []
    for env in site.environments.all():  # every environment, staging and removed ones included
        domains.append(env.primary_domain)
        domains += [domain for domain in env.domains or [] if isinstance(domain, str)]
    return domains


def _site_facts(sites: list[Site]) -> dict[int, SiteFacts]:
    return {
        site.pk: SiteFacts.build(
            labels=[label.name for label in site.labels.all()],
            domains=_site_domains(site),
            names=[site.name, site.display_name],
        )
        for site in sites
    }


def preview_mapping_rules(*, account: Any = None) -> MappingPlan:
    """What the active rules would assign now, without writing anything.

    1. Look at unmapped sites only (removed ones too, so their history gets a client): a site that has a
       client, by hand or by an earlier rule, is never moved by a rule.
    2. For each site collect the matching active rules of active clients.
    3. The highest priority wins. Matching rules of other clients make a conflict; if the top priority is
       shared by rules of different clients the site is left unmapped and the conflict says so.
    """
    rules = list(
        MappingRule.objects.filter(is_active=True, client__is_active=True)
        .select_related("client")
        .order_by("-priority", "pk")
    )
    sites_qs = Site.objects.filter(assignment__isnull=True).prefetch_related("labels", "environments")
    if account is not None:
        sites_qs = sites_qs.filter(account=account)
    sites = list(sites_qs.order_by("display_name", "pk"))
    plan = MappingPlan(rules=rules, unmapped_count=len(sites))
    if not rules:
        return plan
    facts = _site_facts(sites)
    index = RuleIndex(rules)  # each pattern normalised once, not once per site
    for site in sites:
        matching = index.matching(facts[site.pk])
        if not matching:
            continue
        top = matching[0].priority  # rules are sorted by priority, highest first
        top_clients = {rule.client_id for rule in matching if rule.priority == top}
        if len(top_clients) > 1:
            plan.conflicts.append(Conflict(site=site, winner=None, losers=matching))
            continue
        winner = matching[0]
        plan.assignments.append(PlannedAssignment(site=site, client=winner.client, rule=winner))
        losers = [rule for rule in matching if rule.client_id != winner.client_id]
        if losers:
            plan.conflicts.append(Conflict(site=site, winner=winner, losers=losers))
    return plan


def apply_mapping_rules(
    *, dry_run: bool = False, account: Any = None, expected_fingerprint: str | None = None
) -> MappingPlan:
    """Assign unmapped sites by the rules: exactly the plan `preview_mapping_rules` shows, in one transaction.

    With `expected_fingerprint` (from a preview page) nothing is written unless the plan is still the
    same (PlanChanged). A site assigned by hand in the meantime keeps its client (the insert skips it).
    """
    with transaction.atomic():
        plan = preview_mapping_rules(account=account)
        if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
            raise PlanChanged(plan)
        plan.dry_run = dry_run
        if not dry_run and plan.assignments:
            SiteAssignment.objects.bulk_create(
                [
                    SiteAssignment(site=a.site, client=a.client, source=SiteAssignment.Source.RULE, rule=a.rule)
                    for a in plan.assignments
                ],
                ignore_conflicts=True,
            )
    return plan


def apply_rules_after_sync(sender: Any, *, run: Any, account: Any, **kwargs: Any) -> None:
    """`sync_finished` receiver (connected in ClientsConfig.ready): map the account's new sites."""
    plan = apply_mapping_rules(account=account)
    if plan.assignments or plan.conflicts:
        logger.info("Mapping rules after sync of %s: %s", account, plan.summary())


def rule_match_counts(rules: list[MappingRule]) -> dict[int, int]:
    """{rule id: how many sites the rule matches now}, mapped or not, whatever the other rules say: what a
    rule describes, as against what it would take (the plan) or has assigned. One pass over every site
    (3 queries), however many rules."""
    if not rules:
        return {}
    sites = list(Site.objects.prefetch_related("labels", "environments").order_by("pk"))
    facts = _site_facts(sites)
    index = RuleIndex(rules)
    counts: dict[int, int] = defaultdict(int)
    for site in sites:
        for rule in index.matching(facts[site.pk]):
            counts[rule.pk] += 1
    return dict(counts)
