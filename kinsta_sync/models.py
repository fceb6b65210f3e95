"""The mirror of an agency's Kinsta company.

Rows are keyed by Kinsta's own ids (unique constraints enforce them, so a sync can upsert). Nothing here
is ever deleted because Kinsta stopped listing it: sites and environments get `removed_at` and keep their
history. This app knows nothing about clients or reports (imports point dashboard -> clients -> here).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kinsta_sync import crypto


class KinstaAccount(models.Model):
    """One Kinsta company this installation reads, with its API key encrypted at rest."""

    company_id = models.CharField(
        max_length=64, unique=True, help_text=_("Kinsta company id (a UUID)."), verbose_name=_("company ID")
    )
    name = models.CharField(
        max_length=200, help_text=_("Shown in the dashboard and the admin."), verbose_name=_("name")
    )
    api_key_encrypted = models.TextField(editable=False, verbose_name=_("API key encrypted"))
    # The last four characters, so staff can tell keys apart without ever seeing one.
    api_key_hint = models.CharField(max_length=8, editable=False, verbose_name=_("API key hint"))
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive accounts are not synced."), verbose_name=_("is active")
    )

    # From GET /validate at the start of each sync.
    api_key_name = models.TextField(blank=True, editable=False, verbose_name=_("API key name"))
    api_key_status = models.TextField(blank=True, editable=False, verbose_name=_("API key status"))
    api_key_expires_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("API key expires at")
    )

    # One sync per account at a time: a lease claimed with a conditional UPDATE (kinsta_sync.sync).
    sync_lease_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sync lease until"))
    sync_lease_token = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("sync lease token"))
    # The newest activity-log id seen by the last sync that read the log down to what it already had;
    # the next sync pages until it meets this id again (a sync that fails halfway leaves it unchanged).
    activity_cursor_id = models.BigIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("activity cursor ID")
    )

    # Traffic quality (the traffic sync step): one request per live environment and day for each kind on.
    traffic_response_codes = models.BooleanField(
        _("Sync response codes"), default=True, help_text=_("Requests per day and HTTP status code of live sites.")
    )
    traffic_countries = models.BooleanField(
        _("Sync top countries"), default=True, help_text=_("Kinsta's daily top list of visitors' countries.")
    )
    traffic_referrers = models.BooleanField(
        _("Sync top referrers"), default=True, help_text=_("Kinsta's daily top list of referring sites.")
    )
    traffic_devices = models.BooleanField(
        _("Sync the device split"), default=True, help_text=_("The daily share of desktop, mobile and tablet visits.")
    )

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name"]
        # "Sync now" on the sync page and in the admin.
        permissions = [("sync_kinstaaccount", "Can start a sync")]
        verbose_name = _("Kinsta account")
        verbose_name_plural = _("Kinsta accounts")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<KinstaAccount {self.company_id} {self.name!r}>"

    def set_api_key(self, raw_key: str) -> None:
        raw_key = raw_key.strip()
        self.api_key_encrypted = crypto.encrypt(raw_key)
        self.api_key_hint = raw_key[-4:] if len(raw_key) >= 12 else ""

    def get_api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted)

    @property
    def masked_api_key(self) -> str:
        return f"••••••••{self.api_key_hint}" if self.api_key_hint else "••••••••"


class SiteLabel(models.Model):
    """A Kinsta site label (MyKinsta lets agencies tag sites, e.g. with the customer's name)."""

    # Strings from Kinsta are TextFields throughout the mirror: a 10,000-character name must not fail a sync.

    account = models.ForeignKey(
        KinstaAccount, on_delete=models.CASCADE, related_name="labels", verbose_name=_("account")
    )
    kinsta_id = models.CharField(max_length=255, verbose_name=_("Kinsta ID"))
    name = models.TextField(verbose_name=_("name"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kinsta_id"], name="unique_label_per_account"),
        ]
        verbose_name = _("site label")
        verbose_name_plural = _("site labels")

    def __str__(self) -> str:
        return self.name


class SiteQuerySet(models.QuerySet["Site"]):
    def present(self) -> SiteQuerySet:
        return self.filter(removed_at__isnull=True)


class Site(models.Model):
    account = models.ForeignKey(
        KinstaAccount, on_delete=models.PROTECT, related_name="sites", verbose_name=_("account")
    )
    kinsta_id = models.CharField(max_length=255, unique=True, verbose_name=_("Kinsta ID"))
    name = models.TextField(help_text=_("Kinsta's slug for the site."), verbose_name=_("name"))
    display_name = models.TextField(verbose_name=_("display name"))
    status = models.TextField(blank=True, verbose_name=_("status"))
    labels = models.ManyToManyField(SiteLabel, blank=True, related_name="sites", verbose_name=_("labels"))

    first_seen_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("first seen at"))
    removed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Set when Kinsta stopped listing the site; its history stays."),
        verbose_name=_("removed at"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Environment(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="environments", verbose_name=_("site"))
    kinsta_id = models.CharField(max_length=255, unique=True, verbose_name=_("Kinsta ID"))
    name = models.TextField(help_text=_("'live', 'staging', ..."), verbose_name=_("name"))
    display_name = models.TextField(verbose_name=_("display name"))
    is_live = models.BooleanField(default=False, verbose_name=_("is live"))
    is_premium = models.BooleanField(default=False, verbose_name=_("is premium"))
    is_blocked = models.BooleanField(default=False, verbose_name=_("is blocked"))
    php_version = models.TextField(blank=True, verbose_name=_("PHP version"))
    wordpress_version = models.TextField(blank=True, verbose_name=_("WordPress version"))
    primary_domain = models.TextField(blank=True, verbose_name=_("primary domain"))
    domains = models.JSONField(
        default=list, blank=True, help_text=_("Every domain name of the environment."), verbose_name=_("domains")
    )

    # Analytics are stored through this day for every metric; the next sync starts a few days before it.
    analytics_synced_through = models.DateField(
        null=True, blank=True, editable=False, verbose_name=_("analytics synced through")
    )
    # When the wordpress step last read this environment's plugin and theme lists, and its backup list.
    # None: never read, so a report says "No data" instead of "no plugins" or "no backups".
    installed_synced_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("installed synced at")
    )
    backups_synced_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("backups synced at"))

    first_seen_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("first seen at"))
    removed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("removed at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["site__display_name", "-is_live", "name"]
        verbose_name = _("environment")
        verbose_name_plural = _("environments")

    def __str__(self) -> str:
        return f"{self.site.display_name} ({self.display_name})"


class Metric(models.TextChoices):
    """Stored analytics metrics. New Kinsta metrics become new values here; the table stays the same."""

    VISITS = "visits", _("Visits")
    BANDWIDTH = "bandwidth", _("Bandwidth")
    CDN_BANDWIDTH = "cdn_bandwidth", _("CDN bandwidth")
    DISK_USAGE = "disk_usage", _("Disk usage")


# The path segment of GET /sites/environments/{env_id}/analytics/{metric} (REFERENCE.md §4.3).
METRIC_API_PATHS: dict[str, str] = {
    Metric.VISITS: "visits",
    Metric.BANDWIDTH: "bandwidth",
    Metric.CDN_BANDWIDTH: "cdn-bandwidth",
    Metric.DISK_USAGE: "diskspace",
}


class AnalyticsPoint(models.Model):
    """One day of one metric for one environment. A day Kinsta has no data for has no row (a gap)."""

    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="analytics", verbose_name=_("environment")
    )
    metric = models.CharField(max_length=32, choices=Metric.choices, verbose_name=_("metric"))
    day = models.DateField(verbose_name=_("day"))
    value = models.BigIntegerField(verbose_name=_("value"))

    class Meta:
        ordering = ["environment", "metric", "day"]
        constraints = [
            models.UniqueConstraint(fields=["environment", "metric", "day"], name="unique_point_per_day"),
        ]
        indexes = [models.Index(fields=["metric", "day"], name="analytics_metric_day")]
        verbose_name = _("analytics point")
        verbose_name_plural = _("analytics points")

    def __str__(self) -> str:
        return f"{self.environment_id} {self.metric} {self.day}: {self.value}"


class TrafficKind(models.TextChoices):
    """What a `TrafficPoint` counts. The account switch of each is `KinstaAccount.traffic_<field>`."""

    RESPONSE_CODE = "response_code", _("Response code")  # key: the code as sent ("200", "499"); value: requests
    COUNTRY = "country", _("Country")  # key: the country as sent ("Germany"); value: views in the day's top list
    REFERRER = "referrer", _("Referrer")  # key: the referrer as sent; value: views in the day's top list
    DEVICE = "device", _("Device")  # key: "desktop", "mobile", ...; value: the day's share in 1/100 % (6250)


# Kind -> the account's switch (a BooleanField of KinstaAccount).
TRAFFIC_SWITCHES: dict[str, str] = {
    TrafficKind.RESPONSE_CODE: "traffic_response_codes",
    TrafficKind.COUNTRY: "traffic_countries",
    TrafficKind.REFERRER: "traffic_referrers",
    TrafficKind.DEVICE: "traffic_devices",
}
# Keys are cut to this many characters (a referrer is whatever a browser sent); the cut is said on the run.
TRAFFIC_KEY_CHARS = 500


class TrafficPoint(models.Model):
    """One day of one key of one kind for one live environment (see `TrafficKind` for what value means).

    A day Kinsta had no data for has no rows. Top lists are Kinsta's truncated list of that one day, so a
    period's sum is "the top entries per day, summed"."""

    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="traffic", verbose_name=_("environment")
    )
    day = models.DateField(verbose_name=_("day"))
    kind = models.CharField(max_length=20, choices=TrafficKind.choices, verbose_name=_("kind"))
    key = models.CharField(max_length=TRAFFIC_KEY_CHARS, verbose_name=_("key"))
    value = models.BigIntegerField(verbose_name=_("value"))

    class Meta:
        ordering = ["environment", "kind", "day", "key"]
        constraints = [
            models.UniqueConstraint(fields=["environment", "day", "kind", "key"], name="unique_traffic_per_day"),
        ]
        indexes = [models.Index(fields=["kind", "day"], name="traffic_kind_day")]
        verbose_name = _("traffic point")
        verbose_name_plural = _("traffic points")

    def __str__(self) -> str:
        return f"{self.environment_id} {self.kind} {self.day} {self.key[:40]}: {self.value}"


class TrafficCursor(models.Model):
    """Through which day one kind of traffic data of one environment is stored; the next sync goes on from it."""

    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="traffic_cursors", verbose_name=_("environment")
    )
    kind = models.CharField(max_length=20, choices=TrafficKind.choices, verbose_name=_("kind"))
    synced_through = models.DateField(verbose_name=_("synced through"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "kind"], name="unique_traffic_cursor"),
        ]
        verbose_name = _("traffic cursor")
        verbose_name_plural = _("traffic cursors")

    def __str__(self) -> str:
        return f"{self.environment_id} {self.kind} through {self.synced_through}"


class CompanyUser(models.Model):
    account = models.ForeignKey(
        KinstaAccount, on_delete=models.CASCADE, related_name="users", verbose_name=_("account")
    )
    kinsta_id = models.CharField(max_length=255, verbose_name=_("Kinsta ID"))
    email = models.TextField(verbose_name=_("email"))
    full_name = models.TextField(blank=True, verbose_name=_("full name"))
    image = models.TextField(blank=True, verbose_name=_("image"))
    removed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("removed at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kinsta_id"], name="unique_user_per_account"),
        ]
        verbose_name = _("company user")
        verbose_name_plural = _("company users")

    def __str__(self) -> str:
        return self.full_name or self.email


class ActivityLogEntry(models.Model):
    account = models.ForeignKey(
        KinstaAccount, on_delete=models.CASCADE, related_name="activity", verbose_name=_("account")
    )
    kinsta_id = models.BigIntegerField(verbose_name=_("Kinsta ID"))
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="activity", verbose_name=_("site")
    )
    site_kinsta_id = models.TextField(blank=True, verbose_name=_("site Kinsta ID"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    type = models.TextField(verbose_name=_("type"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    is_done = models.BooleanField(default=True, verbose_name=_("is done"))
    has_failed = models.BooleanField(default=False, verbose_name=_("has failed"))
    has_warning = models.BooleanField(default=False, verbose_name=_("has warning"))
    public_error = models.TextField(blank=True, verbose_name=_("public error"))
    ip_address = models.TextField(blank=True, verbose_name=_("IP address"))
    initiated_by_id = models.TextField(blank=True, verbose_name=_("initiated by ID"))
    initiated_by_name = models.TextField(blank=True, verbose_name=_("initiated by name"))
    initiated_by_role = models.TextField(blank=True, verbose_name=_("initiated by role"))
    api_key_name = models.TextField(blank=True, verbose_name=_("API key name"))
    # Set by the update merge once it has read the entry (kinsta_sync.sync.update_activity); the activity
    # step clears it whenever it writes the entry, so a changed entry is read again.
    update_merged = models.BooleanField(default=False, editable=False, verbose_name=_("update merged"))

    class Meta:
        ordering = ["-occurred_at", "-kinsta_id"]
        verbose_name_plural = _("activity log entries")
        constraints = [
            models.UniqueConstraint(fields=["account", "kinsta_id"], name="unique_activity_per_account"),
        ]
        indexes = [
            models.Index(fields=["site", "occurred_at"], name="activity_site_time"),
            # The update merge: the entries it has not read yet, and the recent ones that may still be observed.
            models.Index(
                fields=["account", "type"], condition=models.Q(update_merged=False), name="activity_not_merged"
            ),
            models.Index(fields=["account", "type", "occurred_at"], name="activity_account_type_time"),
        ]
        verbose_name = _("activity log entry")

    def __str__(self) -> str:
        return f"{self.type} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Region(models.Model):
    account = models.ForeignKey(
        KinstaAccount, on_delete=models.CASCADE, related_name="regions", verbose_name=_("account")
    )
    region = models.TextField(verbose_name=_("region"))
    name = models.TextField(verbose_name=_("name"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "region"], name="unique_region_per_account"),
        ]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    PLUGIN = "plugin", _("Plugin")
    THEME = "theme", _("Theme")


class InstalledItem(models.Model):
    """A plugin or theme installed on an environment, as the last sync that read it saw it (REFERENCE §5.1).

    One row per environment, kind and slug. A plugin Kinsta stops listing gets `removed_at` (and keeps its
    row and its update history); installed again, it is present again. The vulnerability flags are None
    when the endpoint that answered does not send them (the deprecated one): unknown, never "safe".
    """

    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="installed_items", verbose_name=_("environment")
    )
    kind = models.CharField(max_length=10, choices=ItemKind.choices, verbose_name=_("kind"))
    name = models.TextField(help_text=_("The plugin's or theme's slug, e.g. 'woocommerce'."), verbose_name=_("name"))
    title = models.TextField(blank=True, verbose_name=_("title"))
    version = models.TextField(blank=True, verbose_name=_("version"))
    update_version = models.TextField(
        blank=True, help_text=_("The version an update would install; empty: none."), verbose_name=_("update version")
    )
    is_version_vulnerable = models.BooleanField(null=True, blank=True, verbose_name=_("is version vulnerable"))
    is_update_version_vulnerable = models.BooleanField(
        null=True, blank=True, verbose_name=_("is update version vulnerable")
    )
    status = models.TextField(
        blank=True, help_text=_("'active', 'inactive', ... as Kinsta sends it."), verbose_name=_("status")
    )
    auto_update = models.TextField(blank=True, verbose_name=_("auto update"))
    first_seen_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("first seen at"))
    last_seen_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("last seen at"))
    removed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("removed at"))

    class Meta:
        ordering = ["environment", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["environment", "kind", "name"], name="unique_item_per_environment"),
        ]
        verbose_name = _("installed item")
        verbose_name_plural = _("installed items")

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.version}"


class UpdateEvent(models.Model):
    """An update of a plugin or theme: a version change a sync observed (made anywhere: MyKinsta, WP admin, an
    auto-update), merged with Kinsta's activity entry of the same update when there is one, or an update only
    the activity log knows (done and undone between two syncs, or before the first sync: `observed` False)."""

    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="update_events", verbose_name=_("environment")
    )
    kind = models.CharField(max_length=10, choices=ItemKind.choices, verbose_name=_("kind"))
    name = models.TextField(verbose_name=_("name"))
    title = models.TextField(blank=True, verbose_name=_("title"))
    from_version = models.TextField(
        blank=True, help_text=_("Empty when only the activity log knows the update."), verbose_name=_("from version")
    )
    to_version = models.TextField(verbose_name=_("to version"))
    seen_at = models.DateTimeField(
        help_text=_("When a sync first saw the new version (the activity's time if none)."), verbose_name=_("seen at")
    )
    happened_at = models.DateTimeField(
        help_text=_("When it happened: the activity's time if known, else seen_at."), verbose_name=_("happened at")
    )
    observed = models.BooleanField(
        default=True, help_text=_("False: known only from the activity log."), verbose_name=_("observed")
    )
    activity = models.OneToOneField(
        ActivityLogEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="update_event",
        verbose_name=_("activity"),
    )
    updated_by = models.TextField(
        blank=True, help_text=_("Who did it, from the activity entry."), verbose_name=_("updated by")
    )

    class Meta:
        ordering = ["-happened_at", "name"]
        constraints = [
            # seen_at is part of it: an update to a version seen before (updated, rolled back, updated again)
            # is a new event; a sync creates an event only when the stored version differs, so a second sync
            # of the same state adds none.
            models.UniqueConstraint(
                fields=["environment", "kind", "name", "from_version", "to_version", "seen_at"],
                name="unique_update_event_seen",
            ),
        ]
        indexes = [
            models.Index(fields=["environment", "happened_at"], name="update_event_env_happened"),
            # The update merge reads the observed events no entry claims yet, seen in a time range.
            models.Index(
                fields=["seen_at"], condition=models.Q(observed=True, activity__isnull=True), name="update_event_open"
            ),
        ]
        verbose_name = _("update event")
        verbose_name_plural = _("update events")

    def __str__(self) -> str:
        return f"{self.name} {self.from_version} -> {self.to_version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.happened_at is None:
            self.happened_at = self.seen_at  # until an activity entry says when it happened
        super().save(*args, **kwargs)


class Backup(models.Model):
    """A backup Kinsta listed for an environment (REFERENCE §5.2). Kept after Kinsta expires it."""

    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="backups", verbose_name=_("environment")
    )
    kinsta_id = models.BigIntegerField(verbose_name=_("Kinsta ID"))
    name = models.TextField(blank=True, verbose_name=_("name"))
    type = models.TextField(
        blank=True, help_text=_("'manual', 'daily', 'system', ... as Kinsta sends it."), verbose_name=_("type")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["environment", "kinsta_id"], name="unique_backup_per_environment"),
        ]
        indexes = [models.Index(fields=["environment", "created_at"], name="backup_env_time")]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")

    def __str__(self) -> str:
        return f"{self.type} backup {self.created_at:%Y-%m-%d %H:%M}"


class SyncRun(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Command line")
        SCHEDULE = "schedule", pgettext_lazy("sync trigger", "Schedule")
        ADMIN = "admin", _("Sync now (staff)")

    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("sync status", "Running")
        SUCCESS = "success", pgettext_lazy("sync status", "Success")
        PARTIAL = "partial", pgettext_lazy("sync status", "Partial")
        FAILED = "failed", pgettext_lazy("sync status", "Failed")
        SKIPPED = "skipped", _("Skipped (another sync was running)")

    account = models.ForeignKey(
        KinstaAccount, on_delete=models.CASCADE, related_name="sync_runs", verbose_name=_("account")
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices, verbose_name=_("trigger"))
    steps = models.JSONField(default=list, help_text=_("The steps this run was asked to do."), verbose_name=_("steps"))
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING, verbose_name=_("status"))
    # {"sites": {"created": 3, "updated": 1, "removed": 0, "unchanged": 56}, ...}
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    requests = models.PositiveIntegerField(default=0, verbose_name=_("requests"))
    throttled = models.PositiveIntegerField(
        default=0, help_text=_("HTTP 429 answers seen."), verbose_name=_("throttled")
    )
    retries = models.PositiveIntegerField(default=0, verbose_name=_("retries"))
    # [{"step": "analytics", "endpoint": "GET /sites/environments/{env_id}/analytics/visits",
    #   "item": "<env id>", "message": "...", "at": "<iso time>"}]
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    current_step = models.CharField(max_length=40, blank=True, verbose_name=_("current step"))
    progress_done = models.PositiveIntegerField(default=0, verbose_name=_("progress done"))
    progress_total = models.PositiveIntegerField(default=0, verbose_name=_("progress total"))

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["account", "status", "-started_at"], name="syncrun_account_status")]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")

    def __str__(self) -> str:
        return f"{self.account} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to end; never negative (a clock step back, or the skipped runs of old that
        ended a few microseconds before they started), None while running."""
        if self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


def today_utc() -> date:
    return timezone.now().date()
