"""django-q2 tasks of the site actions: thin callers of dashboard.actions.services."""

from __future__ import annotations

import logging

import httpx
from django.conf import settings

from dashboard.actions import scheduling, services
from dashboard.actions.models import ActionRun
from dashboard.actions.slack import end_message

logger = logging.getLogger(__name__)


def follow_run(run_id: int) -> str:
    """Start (if not started) and follow one run to its end; queued by every way in."""
    return services.run(run_id).state


def resume_abandoned_runs() -> list[int]:
    """Every minute: finish the runs whose worker died (their lease expired)."""
    return services.resume_abandoned_runs()


def run_due_schedules() -> list[int]:
    """Every five minutes: the runs of the scheduled actions whose slot has come."""
    return scheduling.run_due_schedules()


def report_to_slack(run_id: int) -> int:
    """Post how a run from Slack ended to the command's response_url (valid for 30 minutes, 5 posts)."""
    action_run = ActionRun.objects.select_related("site", "environment").get(pk=run_id)
    if not action_run.slack_response_url.startswith(settings.SLACK_RESPONSE_URL_PREFIX):
        logger.warning("Run %s: response_url is not Slack's; nothing posted", run_id)
        return 0
    response = httpx.post(action_run.slack_response_url, json=end_message(action_run), timeout=10.0)
    if response.status_code >= 400:
        logger.warning("Slack response_url answered HTTP %s for run %s", response.status_code, run_id)
    return response.status_code
