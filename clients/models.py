"""Clients of the agency, which mirrored sites belong to whom, and who may see which client's reports.

The mirror (kinsta_sync) never knows about any of this: a `SiteAssignment` points at a mirrored `Site`,
so an assignment survives re-syncs and a site's removal from Kinsta (sites are never deleted there).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from clients.logos import LogoField
from clients.validators import (
    validate_email_list,
    validate_hex_color,
    validate_logo,
    validate_single_line,
    validate_timezone,
)
from kinsta_sync.models import Site

DEFAULT_BRAND_COLOR = "#4b2fd1"


class Client(models.Model):
    class Language(models.TextChoices):
        EN = "en", "English"
        DE = "de", "Deutsch"

    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text=_("Used in the report's address: /clients/SLUG/ (letters, digits and hyphens)."),
        verbose_name=_("slug"),
    )
    contact_emails = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Who receives the reports."),
        verbose_name=_("contact emails"),
    )
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN, verbose_name=_("language"))
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("Report days start at midnight here."),
        verbose_name=_("timezone"),
    )
    logo = LogoField(upload_to="client-logos/", blank=True, validators=[validate_logo], verbose_name=_("logo"))
    brand_color = models.CharField(
        max_length=7, default=DEFAULT_BRAND_COLOR, validators=[validate_hex_color], verbose_name=_("brand color")
    )
    notes = models.TextField(blank=True, help_text=_("Internal: never shown to the client."), verbose_name=_("notes"))

    class ActivityShown(models.TextChoices):
        SUCCESSFUL = "successful", _("Successful work only, no names")
        NO_NAMES = "no_names", _("Everything, without staff names")
        ALL = "all", _("Everything")

    # What the client's users, share links, PDFs and e-mails show of Kinsta's activity log (staff see it all).
    activity_shown_to_client = models.CharField(
        max_length=12,
        choices=ActivityShown.choices,
        default=ActivityShown.SUCCESSFUL,
        help_text=_(
            "What the client sees of the activity log: its report pages, share links, PDFs and e-mails. "
            "Staff always see everything."
        ),
        verbose_name=_("activity shown to client"),
    )
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive clients get no reports and no portal access."), verbose_name=_("is active")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), name="unique_client_name_ci", violation_error_message="A client with this name exists."
            )
        ]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The report page (dashboard app); hard-coded so this app does not import the dashboard's URLs.
        return f"/clients/{self.slug}/"

    @property
    def contact_email_list(self) -> list[str]:
        return [email for email in self.contact_emails if isinstance(email, str) and email]


class AgencyBranding(models.Model):
    """The agency's own name, logo and sender details, set once for the installation (a single row)."""

    SINGLETON_PK = 1

    # The name and the sender name become the From header of every e-mail (clients.email.email_sender),
    # the reply-to address the Reply-To header: one line each.
    name = models.CharField(
        max_length=200,
        default="Agency Reports",
        help_text=_("Your agency's name."),
        validators=[validate_single_line],
        verbose_name=_("name"),
    )
    logo = LogoField(upload_to="agency/", blank=True, validators=[validate_logo], verbose_name=_("logo"))
    brand_color = models.CharField(
        max_length=7, default=DEFAULT_BRAND_COLOR, validators=[validate_hex_color], verbose_name=_("brand color")
    )
    sender_name = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The 'From' name of report and invitation e-mails."),
        validators=[validate_single_line],
        verbose_name=_("sender name"),
    )
    reply_to = models.EmailField(
        blank=True,
        help_text=_("Where clients' replies go."),
        validators=[validate_single_line],
        verbose_name=_("reply to"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("agency branding")
        verbose_name_plural = _("agency branding")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def get(cls) -> AgencyBranding:
        branding, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return branding


class MappingRule(models.Model):
    """Assigns unmapped sites to a client. Rules never move a site that already has a client."""

    class Kind(models.TextChoices):
        LABEL = "label", _("Kinsta label equals")
        DOMAIN = "domain", _("Domain matches")
        NAME = "name", _("Site name matches")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="mapping_rules", verbose_name=_("client"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    pattern = models.CharField(
        max_length=500,
        help_text=_(
            "Label: the label's name (case does not matter). Domain: a glob over every domain of the site, "
            "e.g. *.acme.com (which does not match acme.com itself: add a second rule for it). Name: a glob "
            "over the site's name and display name, e.g. acme-*."
        ),
        verbose_name=_("pattern"),
    )
    priority = models.IntegerField(
        default=0,
        help_text=_("When rules of different clients match a site, the higher wins."),
        verbose_name=_("priority"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-priority", "client__name", "kind", "pattern"]
        constraints = [models.UniqueConstraint(fields=["client", "kind", "pattern"], name="unique_rule_per_client")]
        verbose_name = _("mapping rule")
        verbose_name_plural = _("mapping rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pattern!r} → {self.client}"

    def clean(self) -> None:
        from clients.rules import validate_pattern

        try:
            self.pattern = validate_pattern(kind=self.kind, pattern=self.pattern or "")
        except ValidationError as exc:
            raise ValidationError({"pattern": exc.messages}) from exc


class SiteAssignment(models.Model):
    """A site belongs to at most one client (the one-to-one key enforces it)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("By hand")
        RULE = "rule", _("By rule")

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="assignment", verbose_name=_("site"))
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="site_assignments", verbose_name=_("client")
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL, verbose_name=_("source"))
    rule = models.ForeignKey(
        MappingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        verbose_name=_("rule"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(auto_now=True, verbose_name=_("assigned at"))

    class Meta:
        ordering = ["site__display_name"]
        verbose_name = _("site assignment")
        verbose_name_plural = _("site assignments")

    def __str__(self) -> str:
        return f"{self.site} → {self.client}"


class ClientMembership(models.Model):
    """Makes a (non-staff) user a client user: they see this one client's reports, read-only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_membership", verbose_name=_("user")
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("client"))
    invited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("invited at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["user__email"]
        verbose_name = _("client user")
        verbose_name_plural = _("client users")

    def __str__(self) -> str:
        return f"{self.user} @ {self.client}"


class UnmappedSite(Site):
    """The admin's "unmapped sites" list: mirrored sites without a client, with the bulk assign action."""

    class Meta:
        proxy = True
        verbose_name = _("unmapped site")
        verbose_name_plural = _("unmapped sites")
