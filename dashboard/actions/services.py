"""Starting a site action and following it to its end: the one service every way in uses (STYLE: services
write, views/commands/tasks call them).

``request_action()`` records an ``ActionRun`` (queued) after checking the input; ``run()`` claims it with a
lease, sends the write to Kinsta once, and polls the operation until it is done or failed, renewing the lease
on every poll. A worker that dies leaves the lease to expire; ``resume_abandoned_runs()`` (a django-q2 task
every minute) then gives the run to ``run()`` again, which goes on polling the same operation. A write that may
have reached Kinsta is never sent twice: a run whose worker died between sending the write and storing the
operation id fails with that explanation instead.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from dashboard.actions.models import ITEM_ACTIONS, Action, ActionRun
from kinsta_sync.api.errors import KinstaAuthError, KinstaError, KinstaNotFound
from kinsta_sync.api.operations import (
    ACTIONS,
    OPERATION_DONE,
    OperationState,
    OperationTimedOut,
    start_action,
    wait_for_operation,
)
from kinsta_sync.crypto import DecryptionError
from kinsta_sync.models import Environment, InstalledItem, Site
from kinsta_sync.sync.run import client_for_account

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # workers that may claim one run before it is given up
OPEN_STATES = (ActionRun.State.QUEUED, ActionRun.State.RUNNING)


class Refused(Exception):
    """The action cannot start: unknown site or environment, unknown action, no usable key."""


class LeaseLost(Exception):
    """Another worker holds the run now (this one was too slow to renew its lease)."""


# --- input -----------------------------------------------------------------------------------------------


def find_site(reference: str) -> Site:
    """The present site whose Kinsta id or name is ``reference``; Refused when none or several."""
    reference = reference.strip()
    if not reference:
        raise Refused("No site given.")
    sites = list(
        Site.objects.present().filter(Q(kinsta_id=reference) | Q(name=reference)).select_related("account")[:2]
    )
    if not sites:
        raise Refused(f"No site {reference!r} (a Kinsta site id or site name).")
    if len(sites) > 1:
        raise Refused(f"Several sites are named {reference!r}; give the Kinsta site id.")
    return sites[0]


def find_environment(site: Site, name: str = "live") -> Environment:
    environment = site.environments.filter(name=name, removed_at__isnull=True).first()
    if environment is None:
        known = ", ".join(site.environments.filter(removed_at__isnull=True).values_list("name", flat=True))
        raise Refused(f"Site {site.name!r} has no environment {name!r} (it has: {known or 'none'}).")
    return environment


def find_item_name(environment: Environment, kind: str, reference: str) -> str:
    """The slug of the plugin or theme that ``reference`` names on the environment: ``reference`` itself when
    it is a slug there, else the slug of the one item titled so (case-insensitive); Refused when several are.
    A reference that names nothing is returned as is, for ``request_action`` to refuse with its reason."""
    reference = reference.strip()
    present = InstalledItem.objects.filter(environment=environment, kind=kind, removed_at__isnull=True)
    if not reference or present.filter(name=reference).exists():
        return reference
    slugs = list(present.filter(title__iexact=reference).values_list("name", flat=True)[:2])
    if len(slugs) > 1:
        raise Refused(f"Several {kind}s on {environment.name} are titled {reference!r}; give the slug.")
    return slugs[0] if slugs else reference


def request_action(
    *,
    site: Site,
    environment: Environment,
    action: str,
    source: str,
    requested_by: Any = None,
    slack_user_id: str = "",
    slack_response_url: str = "",
    item_name: str = "",
    item_version: str = "",
) -> ActionRun:
    """Record a queued run after checking the input (Refused otherwise); nothing is sent to Kinsta yet.

    A plugin or theme update (``update-plugin``, ``update-theme``) needs ``item_name``, the slug of an item
    the last sync saw on the environment with an update available; ``item_version`` is that update's
    version (blank: the one the sync saw; another version is refused)."""
    if action not in Action.values:
        raise Refused(f"Unknown action {action!r}; one of: {', '.join(Action.values)}.")
    if environment.site_id != site.pk or environment.removed_at is not None:
        raise Refused("That environment is not one of the site's.")
    if site.removed_at is not None:
        raise Refused(f"Site {site.name!r} is no longer on Kinsta.")
    if not site.account.is_active:
        raise Refused(f"The Kinsta account {site.account.name!r} is inactive.")
    item = {}
    if action in ITEM_ACTIONS:
        item = _update_item(environment, ITEM_ACTIONS[action], item_name, item_version)
    return ActionRun.objects.create(
        **item,
        site=site,
        environment=environment,
        action=action,
        source=source,
        requested_by=requested_by,
        slack_user_id=slack_user_id,
        slack_response_url=slack_response_url,
    )


def _update_item(environment: Environment, kind: str, name: str, version: str) -> dict[str, str]:
    """The fields of an update run of one plugin or theme, from the mirror (kinsta_sync.InstalledItem)."""
    name, version = name.strip(), version.strip()
    if not name:
        raise Refused(f"Which {kind}? Give its name (slug), e.g. --name woocommerce.")
    installed = InstalledItem.objects.filter(
        environment=environment, kind=kind, name=name, removed_at__isnull=True
    ).first()
    if installed is None:
        raise Refused(f"No {kind} {name!r} on {environment.name} (as of the last sync).")
    if not installed.update_version:
        raise Refused(f"The {kind} {name!r} has no update available (as of the last sync).")
    if version and version != installed.update_version:
        raise Refused(f"The {kind} {name!r} has an update to {installed.update_version}, not to {version}.")
    return {
        "item_name": installed.name,
        "item_title": (installed.title or installed.name)[:255],
        "item_version": installed.update_version[:64],
    }


# --- the lease -------------------------------------------------------------------------------------------


def _lease_end() -> Any:
    return timezone.now() + timedelta(seconds=settings.ACTIONS_LEASE_SECONDS)


def _claim(run_id: int) -> str | None:
    """Take the run for this worker (a conditional UPDATE: two workers never both get it)."""
    token = secrets.token_hex(16)
    now = timezone.now()
    claimed = (
        ActionRun.objects.filter(pk=run_id, state__in=OPEN_STATES)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=_lease_end(), lease_token=token, attempts=F("attempts") + 1)
    )
    return token if claimed == 1 else None


def _update(run_id: int, token: str, **fields: Any) -> None:
    """Write ``fields`` while this worker still holds the lease; LeaseLost otherwise."""
    if ActionRun.objects.filter(pk=run_id, lease_token=token, state__in=OPEN_STATES).update(**fields) != 1:
        raise LeaseLost(f"run {run_id}: another worker holds it")


def _finish(run_id: int, token: str, state: str, message: str) -> None:
    _update(
        run_id,
        token,
        state=state,
        message=message[:2000],
        finished_at=timezone.now(),
        lease_until=None,
        lease_token="",
    )


def _release(run_id: int, token: str, message: str) -> None:
    """Give the run back (still open) so the next resume picks it up at once."""
    _update(run_id, token, message=message[:2000], lease_until=timezone.now(), lease_token="")


# --- running ---------------------------------------------------------------------------------------------


def run(run_id: int, *, wait: bool = True) -> ActionRun:
    """Claim the run, send its write if not sent yet, and (``wait``) poll the operation to its end.

    Returns the run as stored afterwards. A run another worker holds is left alone. Without ``wait`` the
    lease is released once the operation is started, and ``resume_abandoned_runs`` follows it.
    """
    token = _claim(run_id)
    if token is None:
        return ActionRun.objects.get(pk=run_id)
    action_run = ActionRun.objects.select_related("site__account", "environment").get(pk=run_id)
    try:
        _run(action_run, token, wait=wait)
    except LeaseLost:
        logger.warning("Action run %s: lease lost to another worker", run_id)
    action_run.refresh_from_db()
    if action_run.is_finished:
        _announce(action_run)
    return action_run


def _run(action_run: ActionRun, token: str, *, wait: bool) -> None:
    pk = action_run.pk
    if action_run.attempts > MAX_ATTEMPTS:
        _finish(pk, token, ActionRun.State.FAILED, f"Given up after {MAX_ATTEMPTS} attempts. {action_run.message}")
        return
    if action_run.state == ActionRun.State.RUNNING and not action_run.operation_id:
        _finish(
            pk,
            token,
            ActionRun.State.FAILED,
            "The worker stopped while sending the request to Kinsta. It is not sent again, because it may have "
            "reached Kinsta; check the site in MyKinsta and start the action again if needed.",
        )
        return
    account = action_run.site.account
    if not account.is_active:
        _finish(pk, token, ActionRun.State.REFUSED, f"The Kinsta account {account.name!r} is inactive.")
        return
    try:
        client = client_for_account(account)
    except DecryptionError:
        _finish(pk, token, ActionRun.State.REFUSED, "The account's Kinsta API key cannot be read; enter it again.")
        return
    with client:
        if not action_run.operation_id:
            if not _send(action_run, token, client):
                return
            action_run.refresh_from_db()
        if not wait:
            _release(pk, token, action_run.message)
            return
        _follow(action_run, token, client)


def _send(action_run: ActionRun, token: str, client: Any) -> bool:
    """Send the write once; True when Kinsta accepted it (the operation id is stored)."""
    pk = action_run.pk
    _update(pk, token, state=ActionRun.State.RUNNING, started_at=timezone.now())
    env = action_run.environment
    try:
        cdn_cache_id = None
        if ACTIONS[action_run.action].needs_cdn_cache_id:
            # Not stored by the sync: asked for when needed (one read).
            listed = {e.id: e for e in client.list_environments(action_run.site.kinsta_id)}
            cdn_cache_id = getattr(listed.get(env.kinsta_id), "cdn_cache_id", None)
            if not cdn_cache_id:
                _finish(pk, token, ActionRun.State.REFUSED, "This environment has no Kinsta CDN to clear.")
                return False
        started = start_action(
            client,
            action_run.action,
            environment_id=env.kinsta_id,
            cdn_cache_id=cdn_cache_id,
            backup_tag=f"agency-reports run {pk}",
            item_name=action_run.item_name,
            item_version=action_run.item_version,
        )
    except KinstaAuthError:
        _finish(pk, token, ActionRun.State.REFUSED, "Kinsta refused the account's API key (revoked or expired).")
        return False
    except KinstaNotFound:
        _finish(
            pk, token, ActionRun.State.REFUSED, "Kinsta does not know this environment (or the key may not reach it)."
        )
        return False
    except KinstaError as exc:
        if exc.reached is False:
            # Nothing reached Kinsta (no connection, or still rate limited): safe to try again later.
            _finish(pk, token, ActionRun.State.REFUSED, f"Kinsta could not be reached; nothing was sent: {exc}")
            return False
        # Not repeated: a write that may have reached Kinsta is never sent twice (transport.py).
        _finish(pk, token, ActionRun.State.FAILED, f"Kinsta did not start the action: {exc}")
        return False
    _update(pk, token, operation_id=started.operation_id, message=started.message, lease_until=_lease_end())
    return True


def _follow(action_run: ActionRun, token: str, client: Any) -> None:
    pk = action_run.pk
    elapsed = (timezone.now() - (action_run.started_at or timezone.now())).total_seconds()
    interval = settings.ACTIONS_POLL_INTERVAL

    def on_poll(state: OperationState) -> None:
        _update(pk, token, lease_until=_lease_end(), message=state.message or action_run.message)

    try:
        final = wait_for_operation(
            client,
            action_run.operation_id,
            # Counted from when the write was sent, also for a resumed run.
            not_found_grace=max(interval, settings.ACTIONS_NOT_FOUND_GRACE - elapsed),
            timeout=max(interval, settings.ACTIONS_TIMEOUT - elapsed),
            interval=interval,
            on_poll=on_poll,
        )
    except OperationTimedOut as exc:
        _finish(pk, token, ActionRun.State.FAILED, f"Kinsta did not report an end: {exc}.")
        return
    except KinstaAuthError:
        _finish(pk, token, ActionRun.State.FAILED, "Kinsta refused the API key while the operation was followed.")
        return
    except KinstaError as exc:
        # Kinsta unreachable for now: the next resume (a minute later) goes on polling the same operation.
        _release(pk, token, f"Following the operation paused: {exc}")
        return
    state = ActionRun.State.DONE if final.state == OPERATION_DONE else ActionRun.State.FAILED
    _finish(pk, token, state, final.message or ("Done" if state == ActionRun.State.DONE else "Failed"))


def resume_abandoned_runs() -> list[int]:
    """Run every open run no live worker holds (its lease expired, or it was never claimed); their ids."""
    now = timezone.now()
    stale = list(
        ActionRun.objects.filter(state__in=OPEN_STATES)
        .filter(Q(lease_until__lt=now) | Q(lease_until__isnull=True, created_at__lt=now - timedelta(seconds=30)))
        .order_by("created_at")
        .values_list("pk", flat=True)[:50]
    )
    for pk in stale:
        run(pk)
    return stale


def _announce(action_run: ActionRun) -> None:
    """Tell whoever is waiting elsewhere (the Slack user) how the run ended."""
    if action_run.slack_response_url:
        from django_q.tasks import async_task

        async_task("dashboard.actions.tasks.report_to_slack", action_run.pk)
