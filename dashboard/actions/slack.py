"""The Slack slash command ``/kinsta``: request signatures, what the command answers, the end message.

Slack signs each request: ``X-Slack-Signature: v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")``
with ``X-Slack-Request-Timestamp``; a timestamp more than five minutes away is refused (a replayed request),
and the comparison is constant-time (https://api.slack.com/authentication/verifying-requests-from-slack).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from dashboard.actions.models import ActionRun

MAX_AGE_SECONDS = 5 * 60
SLACK_ACTIONS = ("clear-cache", "restart-php", "update-plugin", "update-theme")


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_signature(
    *, secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float | None = None
) -> bool:
    """True when ``signature`` is Slack's for this body and the timestamp is within five minutes."""
    if not secret or not timestamp or not signature:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(signature_for(secret, timestamp, body), signature)


def reply(text: str) -> dict[str, Any]:
    """An answer only the user who typed the command sees."""
    return {"response_type": "ephemeral", "text": text}


def plain(value: Any) -> str:
    # Slack reads &, < and > as markup (links, mentions): escape what came from Kinsta or from the user.
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _what_and_where(action_run: ActionRun) -> str:
    """E.g. "Update a plugin WooCommerce → 8.9.3 on Acme Shop (live)", escaped: the names come from Kinsta."""
    what = action_run.get_action_display()
    if action_run.item_name:
        what += f" {plain(action_run.item_title or action_run.item_name)} → {plain(action_run.item_version)}"
    site = plain(action_run.site.display_name or action_run.site.name)
    return f"{what} on {site} ({plain(action_run.environment.name)})"


def started_text(action_run: ActionRun) -> str:
    return f"Started: {_what_and_where(action_run)} (run {action_run.pk}). The end is reported here."


def end_message(action_run: ActionRun) -> dict[str, Any]:
    text = f"{_what_and_where(action_run)}: {action_run.get_state_display().lower()}"
    if action_run.message:
        text += f" ({plain(action_run.message)})"
    return {"response_type": "ephemeral", "replace_original": False, "text": text}


def status_text(site: Any) -> str:
    """The site's environments with PHP and WordPress versions, the last sync, the last backup Kinsta listed
    (the maintenance mirror, kinsta_sync.Backup, read by the sync's wordpress step: "No data" while no
    environment's backups were read) and the last manual backup made from here."""
    from kinsta_sync.models import Backup, SyncRun

    lines = [f"*{plain(site.display_name or site.name)}* ({plain(site.name)}, status {plain(site.status or '?')})"]
    environments = list(site.environments.filter(removed_at__isnull=True).order_by("-is_live", "name"))
    for env in environments:
        php = plain(env.php_version or "?")
        wordpress = plain(env.wordpress_version or "?")
        domain = plain(env.primary_domain or "no domain")
        lines.append(f"• {plain(env.name)}: {domain}, PHP {php}, WordPress {wordpress}")
    last_sync = (
        SyncRun.objects.filter(account_id=site.account_id, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", "status")
        .first()
    )
    lines.append(f"Last sync: {last_sync[0]:%Y-%m-%d %H:%M} UTC ({last_sync[1]})" if last_sync else "Last sync: never")
    if not any(env.backups_synced_at for env in environments):
        lines.append("Last backup: No data (not synced yet)")
    else:
        latest = (
            Backup.objects.filter(environment__in=environments)
            .order_by("-created_at")
            .values_list("created_at", "type", "environment__name")
            .first()
        )
        lines.append(
            f"Last backup: {latest[0]:%Y-%m-%d %H:%M} UTC ({plain(latest[1] or '?')}, {plain(latest[2])})"
            if latest
            else "Last backup: none listed by Kinsta"
        )
    backup = (
        ActionRun.objects.filter(site=site, action="manual-backup", state=ActionRun.State.DONE)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    lines.append(
        f"Last manual backup from here: {backup:%Y-%m-%d %H:%M} UTC" if backup else "Last manual backup from here: none"
    )
    return "\n".join(lines)
