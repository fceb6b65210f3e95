"""The plan the agency pays Kinsta for (what the API does not tell), and the quotas of its clients' contracts.

Money is Decimal throughout; sizes are decimal gigabytes (1 GB = 10^9 bytes), as Kinsta's plans count them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import is_currency
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from kinsta_sync.models import KinstaAccount, Site

# Kinsta's published overage prices (the agency enters its own where its contract differs).
DEFAULT_OVERAGE_VISITS_PER_1000 = Decimal("1.00")
DEFAULT_OVERAGE_CDN_PER_GB = Decimal("0.10")

DEFAULT_CURRENCY = "USD"


def validate_currency(value: str) -> None:
    """An ISO 4217 code that Babel knows, in capitals (USD, EUR, GBP...)."""
    if not re.fullmatch(r"[A-Z]{3}", value or "") or not is_currency(value):
        raise ValidationError(
            "%(value)s is not an ISO 4217 currency code such as USD or EUR.", code="currency", params={"value": value}
        )


_MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
_PRICE = {"max_digits": 12, "decimal_places": 4, "validators": [MinValueValidator(Decimal("0"))]}


class Plan(models.Model):
    """One Kinsta account's hosting plan."""

    class Basis(models.TextChoices):
        VISITS = "visits", _("Visits")
        BANDWIDTH = "bandwidth", _("Bandwidth")
        CDN_BANDWIDTH = "cdn_bandwidth", _("CDN bandwidth")
        DISK_USAGE = "disk_usage", _("Disk usage")

    account = models.OneToOneField(
        KinstaAccount, on_delete=models.CASCADE, related_name="usage_plan", verbose_name=_("account")
    )
    name = models.CharField(max_length=100, blank=True, help_text=_("e.g. Agency 20"), verbose_name=_("name"))
    monthly_price = models.DecimalField(
        **_MONEY, help_text=_("What the plan costs per billing month."), verbose_name=_("monthly price")
    )
    currency = models.CharField(
        max_length=3,
        default=DEFAULT_CURRENCY,
        validators=[validate_currency],
        help_text=_("The ISO 4217 code of the price and the overage prices (USD, EUR...)."),
        verbose_name=_("currency"),
    )
    included_visits = models.PositiveBigIntegerField(verbose_name=_("included visits"))
    included_cdn_gb = models.PositiveIntegerField(verbose_name=_("included CDN GB"))
    included_disk_gb = models.PositiveIntegerField(verbose_name=_("included disk GB"))
    included_bandwidth_gb = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name=_("included server bandwidth GB"),
        help_text=_("Only for bandwidth-based plans."),
    )
    billing_day = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("The day of the month a billing month starts (31: the last day of shorter months)."),
        verbose_name=_("billing day"),
    )
    overage_visits_per_1000 = models.DecimalField(
        **_PRICE, default=DEFAULT_OVERAGE_VISITS_PER_1000, verbose_name=_("overage visits per 1000")
    )
    overage_cdn_per_gb = models.DecimalField(
        **_PRICE, default=DEFAULT_OVERAGE_CDN_PER_GB, verbose_name=_("overage CDN per GB")
    )
    overage_disk_per_gb = models.DecimalField(**_PRICE, default=Decimal("0"), verbose_name=_("overage disk per GB"))
    overage_bandwidth_per_gb = models.DecimalField(
        **_PRICE,
        default=Decimal("0"),
        help_text=_("Only counted when the plan includes server bandwidth."),
        verbose_name=_("overage bandwidth per GB"),
    )
    allocation_basis = models.CharField(
        max_length=20,
        choices=Basis.choices,
        default=Basis.VISITS,
        help_text=_("The share by which each client carries the plan's monthly price."),
        verbose_name=_("allocation basis"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["account__name"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name or f"Plan of {self.account}"


class ClientQuota(models.Model):
    """What a client's contract includes; empty fields have no quota."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="usage_quota", verbose_name=_("client")
    )
    visits = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("visits"))
    cdn_gb = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("CDN GB"))
    disk_gb = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("disk GB"))

    class Meta:
        ordering = ["client__name"]
        verbose_name = _("client quota")
        verbose_name_plural = _("client quotas")

    def __str__(self) -> str:
        return f"Quota of {self.client}"


class UsageAlert(models.Model):
    """One alert: a scope's metric crossed a threshold of its limit (projected or actual) in a billing month.

    The unique constraint makes it exactly once: a worker inserts the row first and sends only when the
    insert succeeded (dashboard.usage.alerts); a second worker, or a retry, meets the constraint and sends
    nothing.
    """

    account = models.ForeignKey(
        KinstaAccount, on_delete=models.CASCADE, related_name="usage_alerts", verbose_name=_("account")
    )
    month_start = models.DateField(help_text=_("The first day of the billing month."), verbose_name=_("month start"))
    # "company", or "client:<id>" (a key rather than a nullable client, which a unique constraint would not
    # hold to once: NULLs are all distinct).
    scope_key = models.CharField(max_length=40, verbose_name=_("scope key"))
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="usage_alerts", verbose_name=_("client")
    )
    metric = models.CharField(max_length=32, verbose_name=_("metric"))
    threshold = models.PositiveSmallIntegerField(
        help_text=_("Percent of the plan or of the client's quota."), verbose_name=_("threshold")
    )
    actual = models.BigIntegerField(verbose_name=_("actual"))
    projected = models.BigIntegerField(verbose_name=_("projected"))
    limit = models.BigIntegerField(verbose_name=_("limit"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    attempts = models.PositiveSmallIntegerField(default=1, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    # The Slack post (settings.SLACK_ALERTS_WEBHOOK_URL) is tracked apart from the e-mail, so a failed post
    # is retried without e-mailing twice and the other way round. 0 attempts: Slack was not configured when
    # the alert was made, and it is never posted.
    slack_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("Slack sent at"))
    slack_attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("Slack attempts"))
    slack_last_error = models.TextField(blank=True, verbose_name=_("Slack last error"))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "month_start", "scope_key", "metric", "threshold"], name="unique_usage_alert"
            ),
        ]
        verbose_name = _("usage alert")
        verbose_name_plural = _("usage alerts")

    def __str__(self) -> str:
        return f"{self.scope_key} {self.metric} {self.threshold}% {self.month_start:%Y-%m}"


class KinstaUsage(models.Model):
    """What Kinsta itself counts for a site this billing month (GET /sites/{id}/usage/*/this-month, REFERENCE
    §4.4), fetched on a slow schedule to check our own figures from the daily analytics against."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="kinsta_usage", verbose_name=_("site"))
    month_start = models.DateField(verbose_name=_("month start"))
    metric = models.CharField(max_length=32, verbose_name=_("metric"))
    value = models.BigIntegerField(verbose_name=_("value"))
    through_day = models.DateField(
        help_text=_("The day it was fetched: Kinsta's count runs up to then."), verbose_name=_("through day")
    )
    fetched_at = models.DateTimeField(verbose_name=_("fetched at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "metric", "month_start"], name="unique_kinsta_usage"),
        ]
        verbose_name = _("Kinsta usage")
        verbose_name_plural = _("Kinsta usage")

    def __str__(self) -> str:
        return f"{self.site_id} {self.metric} {self.month_start:%Y-%m}: {self.value}"
