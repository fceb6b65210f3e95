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

    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE, related_name="action_schedules")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="action_schedules")
    action = models.CharField(max_length=32, choices=SIMPLE_ACTIONS)
    environment_name = models.CharField(
        max_length=64, default="live", help_text="The environment's name on every site."
    )
    time_of_day = models.TimeField(help_text="In the client's time zone (a site without a client: UTC).")
    weekdays = models.JSONField(
        default=list, validators=[validate_weekdays], help_text="0 = Monday … 6 = Sunday, e.g. [0, 1, 2, 3, 4]."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

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

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="action_runs")
    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="action_runs")
    action = models.CharField(max_length=32, choices=Action.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    # Who: a staff user (dashboard, or the Slack user's linked staff user), a Slack user id, or nobody (CLI).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    slack_user_id = models.CharField(max_length=32, blank=True)
    # Slack's response_url, where the end of the run is reported (https://hooks.slack.com/...).
    slack_response_url = models.URLField(max_length=500, blank=True)
    # A scheduled run: its schedule and the slot (the UTC instant of the local time it stands for).
    schedule = models.ForeignKey(ActionSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    slot = models.DateTimeField(null=True, blank=True)

    # A plugin or theme update: the slug and the version to install (blank for the other actions).
    item_name = models.CharField(max_length=255, blank=True)
    item_title = models.CharField(max_length=255, blank=True)
    item_version = models.CharField(max_length=64, blank=True)

    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    operation_id = models.CharField(max_length=255, blank=True)
    message = models.TextField(blank=True, help_text="Kinsta's last message, or why the run failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the write was sent to Kinsta.")
    finished_at = models.DateTimeField(null=True, blank=True)

    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.CharField(max_length=64, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False, help_text="Workers that claimed it.")

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

    def __str__(self) -> str:
        return f"{self.action} on {self.site_id} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.REFUSED)


class SlackUser(models.Model):
    """A Slack user linked to a staff user: only linked users act through the Slack command, with the
    staff user's permissions (actions.run_action)."""

    slack_user_id = models.CharField(max_length=32, unique=True, help_text="Slack's member id, e.g. U012AB3CD.")
    team_id = models.CharField(max_length=32, blank=True, help_text="The Slack workspace (team) id; blank: any.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Slack user"

    def __str__(self) -> str:
        return f"{self.slack_user_id} → {self.user}"
