"""One row per site action: who asked, what, where, Kinsta's operation, and how it ended.

Nothing is fire-and-forget: a worker claims a run with a lease (``lease_until``, renewed on every poll of
the operation); a worker that dies leaves the lease to expire, and ``tasks.resume_abandoned_runs`` hands the
run to the next one, which goes on polling the same operation (``services.run``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from kinsta_sync.models import Environment, Site


class Action(models.TextChoices):
    # The values are the CLI's and Slack's names (kinsta_sync.api.operations.ACTIONS).
    CLEAR_CACHE = "clear-cache", _("Clear the site cache")
    RESTART_PHP = "restart-php", _("Restart PHP")
    CLEAR_CDN_CACHE = "clear-cdn-cache", _("Clear the CDN cache")
    CLEAR_EDGE_CACHE = "clear-edge-cache", _("Clear the edge cache")
    MANUAL_BACKUP = "manual-backup", _("Create a manual backup")
    UPDATE_PLUGIN = "update-plugin", _("Update a plugin")
    UPDATE_THEME = "update-theme", _("Update a theme")


# The actions that update one plugin or theme (ActionRun.item_name, item_version), and its kind.
ITEM_ACTIONS = {Action.UPDATE_PLUGIN: "plugin", Action.UPDATE_THEME: "theme"}
# The actions that need nothing but an environment: the panels' buttons, the bulk actions and the schedules
# (an update of one plugin to one version is started from the plugin's row in the maintenance section).
SIMPLE_ACTIONS = [(value, label) for value, label in Action.choices if value not in ITEM_ACTIONS]


def validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or not value or any(day not in range(7) for day in value):
        raise ValidationError("Weekdays are a non-empty list of numbers 0 (Monday) to 6 (Sunday).")


ALL_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]


class ActionSchedule(models.Model):
    """An action at a time of day in the client's time zone on chosen weekdays, for one site or for every
    site of a client ("clear the cache nightly at 03:00"). Each slot gives one ActionRun per site, never two
    (ActionRun's unique constraint on schedule, site and slot); tasks.run_due_schedules creates them."""

    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="action_schedules",
        verbose_name=_("client"),
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, related_name="action_schedules", verbose_name=_("site")
    )
    action = models.CharField(max_length=32, choices=SIMPLE_ACTIONS, verbose_name=_("action"))
    environment_name = models.CharField(
        max_length=64,
        default="live",
        help_text=_("The environment's name on every site."),
        verbose_name=_("environment name"),
    )
    time_of_day = models.TimeField(
        help_text=_("In the client's time zone (a site without a client: UTC)."), verbose_name=_("time of day")
    )
    weekdays = models.JSONField(
        default=list,
        validators=[validate_weekdays],
        help_text=_("0 = Monday … 6 = Sunday, e.g. [0, 1, 2, 3, 4]."),
        verbose_name=_("weekdays"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(client__isnull=False, site__isnull=True)
                    | models.Q(client__isnull=True, site__isnull=False)
                ),
                name="actions_schedule_client_xor_site",
            )
        ]
        verbose_name = _("action schedule")
        verbose_name_plural = _("action schedules")

    def __str__(self) -> str:
        target = self.site or self.client
        return f"{self.action} at {self.time_of_day:%H:%M} on {target}"

    def clean(self) -> None:
        if (self.client_id is None) == (self.site_id is None):
            raise ValidationError("A schedule is for one site or for one client, not both or neither.")


class ActionRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused")

    class Source(models.TextChoices):
        WEB = "web", _("Dashboard")
        CLI = "cli", _("Command line")
        SLACK = "slack", _("Slack")
        SCHEDULE = "schedule", _("Schedule")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="action_runs", verbose_name=_("site"))
    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="action_runs", verbose_name=_("environment")
    )
    action = models.CharField(max_length=32, choices=Action.choices, verbose_name=_("action"))
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    # Who: a staff user (dashboard, or the Slack user's linked staff user), a Slack user id, or nobody (CLI).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    slack_user_id = models.CharField(max_length=32, blank=True, verbose_name=_("Slack user ID"))
    # Slack's response_url, where the end of the run is reported (https://hooks.slack.com/...).
    slack_response_url = models.URLField(max_length=500, blank=True, verbose_name=_("Slack response URL"))
    # A scheduled run: its schedule and the slot (the UTC instant of the local time it stands for).
    schedule = models.ForeignKey(
        ActionSchedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        verbose_name=_("schedule"),
    )
    slot = models.DateTimeField(null=True, blank=True, verbose_name=_("slot"))

    # A plugin or theme update: the slug and the version to install (blank for the other actions).
    item_name = models.CharField(max_length=255, blank=True, verbose_name=_("item name"))
    item_title = models.CharField(max_length=255, blank=True, verbose_name=_("item title"))
    item_version = models.CharField(max_length=64, blank=True, verbose_name=_("item version"))

    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, verbose_name=_("state"))
    operation_id = models.CharField(max_length=255, blank=True, verbose_name=_("operation ID"))
    message = models.TextField(
        blank=True, help_text=_("Kinsta's last message, or why the run failed."), verbose_name=_("message")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the write was sent to Kinsta."), verbose_name=_("started at")
    )
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    lease_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("lease until"))
    lease_token = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("lease token"))
    attempts = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text=_("Workers that claimed it."), verbose_name=_("attempts")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("run_action", "Can run site actions (clear caches, restart PHP, backups)")]
        constraints = [
            # Never twice for the same slot: two schedulers racing both insert, one of them fails.
            models.UniqueConstraint(
                fields=["schedule", "site", "slot"],
                condition=models.Q(schedule__isnull=False),
                name="actions_run_once_per_slot",
            )
        ]
        indexes = [
            models.Index(fields=["state", "lease_until"], name="actions_run_state_lease"),
            models.Index(fields=["site", "state", "finished_at"], name="actions_run_site_done"),
        ]
        verbose_name = _("action run")
        verbose_name_plural = _("action runs")

    def __str__(self) -> str:
        return f"{self.action} on {self.site_id} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.REFUSED)


class SlackUser(models.Model):
    """A Slack user linked to a staff user: only linked users act through the Slack command, with the
    staff user's permissions (actions.run_action)."""

    slack_user_id = models.CharField(
        max_length=32, unique=True, help_text=_("Slack's member id, e.g. U012AB3CD."), verbose_name=_("Slack user ID")
    )
    team_id = models.CharField(
        max_length=32, blank=True, help_text=_("The Slack workspace (team) id; blank: any."), verbose_name=_("team ID")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_links", verbose_name=_("user")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("Slack user")
        verbose_name_plural = _("Slack users")

    def __str__(self) -> str:
        return f"{self.slack_user_id} → {self.user}"
