"""Everything that writes client data: assignments, mapping rules, the CSV import and invitations.

Admin actions, views, commands and the post-sync receiver are thin callers of these functions.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from clients import csv_import
from clients.models import AgencyBranding, Client, ClientMembership, MappingRule, SiteAssignment
from clients.rules import RuleIndex, SiteFacts
from clients.validators import validate_single_line
from kinsta_sync.models import Site

logger = logging.getLogger(__name__)


# --- Assignments by hand ---------------------------------------------------------------------------------


def assign_sites(
    *,
    sites: Iterable[Site],
    client: Client,
    source: str = SiteAssignment.Source.MANUAL,
    rule: MappingRule | None = None,
    assigned_by: Any = None,
) -> int:
    """Give these sites to `client`, replacing any earlier assignment (a hand assignment always wins).

    Returns the number of sites assigned.
    """
    site_ids = sorted({site.pk for site in sites})
    if not site_ids:
        return 0
    by = assigned_by if getattr(assigned_by, "is_authenticated", False) else None
    rows = [
        SiteAssignment(site_id=site_id, client=client, source=source, rule=rule, assigned_by=by) for site_id in site_ids
    ]
    with transaction.atomic():
        SiteAssignment.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["site"],
            update_fields=["client", "source", "rule", "assigned_by", "assigned_at"],
        )
    return len(site_ids)


def unassign_sites(*, sites: Iterable[Site]) -> int:
    """Take these sites away from their client; rules may then map them again. Returns how many were mapped."""
    deleted, _ = SiteAssignment.objects.filter(site__in=[site.pk for site in sites]).delete()
    return deleted


# --- Mapping rules ---------------------------------------------------------------------------------------


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
        verb = "Would assign" if self.dry_run else "Assigned"
        return (
            f"{verb} {len(self.assignments)} of {self.unmapped_count} unmapped site(s) by "
            f"{len(self.rules)} active rule(s); {len(self.conflicts)} conflict(s)."
        )


class PlanChanged(Exception):
    """The rules or sites changed between the preview and the apply; nothing was written."""

    def __init__(self, plan: MappingPlan) -> None:
        super().__init__("The rules or the sites changed since the preview; nothing was written. Review it again.")
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


# --- CSV import ------------------------------------------------------------------------------------------

ImportResult = csv_import.ImportResult


def import_clients_csv(*, file: IO[bytes], dry_run: bool = False) -> ImportResult:
    """Create clients, contact e-mails and mapping rules from a CSV file (see clients.csv_import).

    Every row is checked first; if any is bad, the result lists every error with its line number and
    nothing is written. Importing the same file again changes nothing. The queries are a fixed number
    whatever the number of rows (on SQLite plus one per ~140 new rules, its limit of query parameters), and
    only the last few of them, the bulk writes, hold the write lock.
    """
    result = csv_import.parse(file)
    if not result.ok:
        return result
    result.dry_run = dry_run
    # 1. Plan outside any transaction: a few reads, no lock (a dry run ends here and writes nothing).
    state = csv_import.plan_changes(result)
    if dry_run or not result.changed:
        return result
    # 2. Write in one short transaction, from a plan that is still true: if anything changed since step 1,
    #    plan again in here (on SQLite the IMMEDIATE transaction holds the write lock, so nothing else can).
    try:
        with transaction.atomic():
            if csv_import.database_state() != state:
                csv_import.plan_changes(result)
            csv_import.write_changes(result)
    except IntegrityError as exc:
        # A change the state did not show (see clients.csv_import); the transaction wrote nothing.
        logger.warning("Clients import rolled back: %s", exc)
        result.error(
            0,
            gettext(
                "The clients or rules changed while this file was being imported, so nothing was written. "
                "Import the file again."
            ),
        )
    except ValidationError as exc:
        result.error(0, " ".join(exc.messages))
    return result


# --- Invitations -----------------------------------------------------------------------------------------


class InvitationError(Exception):
    pass


def _one_line(value: str) -> str:
    """`value` on one line: runs of whitespace (line breaks included) become one space, other control
    characters go."""
    return " ".join("".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch.isspace()).split())


def email_sender(*, branding: AgencyBranding | None = None) -> tuple[str, list[str]]:
    """The From header and the Reply-To list of every e-mail the app sends (reports, invitations, password
    resets): the one place they are built.

    From is `"Sender name" <address>`: the branding's sender name (or the agency's name) and the address of
    DEFAULT_FROM_EMAIL (whose own display name, if it has one, is only the fallback). The admin refuses a
    name with a line break (validate_single_line); one saved before that check, or by code that skipped
    it, is put on one line here rather than making Django refuse the header (BadHeaderError) when the mail
    is sent. A Reply-To that is not one clean address is left out.
    """
    branding = branding or AgencyBranding.get()
    reply_to = []
    if branding.reply_to:
        try:
            validate_email(branding.reply_to)
            validate_single_line(branding.reply_to)
        except ValidationError:
            logger.warning("Agency branding: reply-to %r is not one address; e-mails go without it", branding.reply_to)
        else:
            reply_to = [branding.reply_to]
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:  # not an address parseaddr understands: leave it as configured
        return settings.DEFAULT_FROM_EMAIL, reply_to
    name = _one_line(branding.sender_name or branding.name or "") or _one_line(default_name)
    return (formataddr((name, address)) if name else address), reply_to


def set_password_url(*, user: Any, base_url: str) -> str:
    """The one-time set-password link (Django's reset token: it expires after PASSWORD_RESET_TIMEOUT
    and stops working once the password is set)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _invitation_message(*, client: Client, user: Any, base_url: str) -> EmailMessage:
    branding = AgencyBranding.get()
    from_email, reply_to = email_sender(branding=branding)
    context = {
        "client": client,
        "agency": branding,
        "user": user,
        "url": set_password_url(user=user, base_url=base_url),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "login_url": base_url.rstrip("/") + reverse("login"),
        "username": user.get_username(),
    }
    with translation.override(client.language):
        subject = "".join(render_to_string("clients/emails/client_invitation_subject.txt", context).splitlines())
        body = render_to_string("clients/emails/client_invitation.txt", context)
    message = EmailMessage(subject=subject, body=body, from_email=from_email, to=[user.email], reply_to=reply_to)
    message.message()  # builds the headers now: one Django would refuse fails here, not when sending
    return message


def invite_client_user(*, client: Client, email: str, base_url: str, invited_by: Any = None) -> Any:
    """Create (or re-invite) a client user for `client` and e-mail them a set-password link.

    `base_url` is the site's address as the recipient reaches it (e.g. request.build_absolute_uri("/")).
    Refuses staff users and users of another client (InvitationError).

    All or nothing: the user, the membership and the e-mail are made in one transaction, so an e-mail that
    cannot be built leaves no user behind; it is sent after the commit (no transaction is held while the
    mail server answers), and if the server refuses it a user created by this call is removed again.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    if not email or "@" not in email:
        raise InvitationError("Enter an e-mail address.")
    if len(email) > 150:
        raise InvitationError("This e-mail address is too long for a login (150 characters at most).")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvitationError(gettext("Enter a valid e-mail address.")) from exc
    with transaction.atomic():
        created = False
        user = User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()
        if user is None:
            user = User(username=email.lower(), email=email, is_active=True)
            user.set_unusable_password()
            user.save()
            created = True
        elif user.is_staff or user.is_superuser:
            raise InvitationError(f"{email} is agency staff; staff already see every client.")
        membership = ClientMembership.objects.filter(user=user).select_related("client").first()
        if membership is None:
            membership = ClientMembership.objects.create(user=user, client=client)
        elif membership.client_id != client.pk:
            raise InvitationError(f"{email} already belongs to another client ({membership.client.name}).")
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        membership.invited_at = timezone.now()
        membership.save(update_fields=["invited_at"])
        try:
            message = _invitation_message(client=client, user=user, base_url=base_url)
        except BadHeaderError as exc:  # raised inside the transaction: the user above is not kept
            logger.warning("Invitation of %s not built: %s", email, exc)
            raise InvitationError(
                gettext("The invitation e-mail could not be built (%(error)s); nobody was invited.") % {"error": exc}
            ) from exc

    try:
        message.send()
    except OSError as exc:  # smtplib's errors included: the mail server refused or could not be reached
        logger.warning("Invitation of %s not sent: %s", email, exc)
        if created:
            user.delete()
        raise InvitationError(
            gettext("The invitation e-mail could not be sent (%(error)s); nobody was invited. Try again.")
            % {"error": exc}
        ) from exc
    logger.info("Invited %s to client %s", user.email, client.slug)
    return user
