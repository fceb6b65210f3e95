"""E-mail to staff when a projection or the actual usage crosses 50 / 75 / 90 / 100 % of the plan or of a
client's quota: exactly once per threshold, scope, metric and billing month, across workers and retries.

`check_usage_alerts()` (hourly, django-q2: dashboard.usage.schedules):
1. For every account with a plan, the current billing month's usage (dashboard.usage.allocation) and
   projection (dashboard.usage.forecast) against the plan (company) and each client's quota.
2. Every threshold a scope's metric has reached (the larger of actual and projected) is inserted as a
   `UsageAlert`; the unique constraint refuses a row that exists, and only the worker whose insert
   succeeded goes on with it (insert-then-send: a second worker at the same moment inserts nothing).
3. The new rows go out in one e-mail per account to the active staff users with an address (in the site's
   LANGUAGE_CODE, English or German); then they are
   marked sent. A failed send keeps the rows unsent with the error; a later run claims them (a conditional
   UPDATE of `attempts`, so two workers cannot both retry one) once they are older than `RETRY_AFTER`, up
   to `MAX_ATTEMPTS`.
4. When settings.SLACK_ALERTS_WEBHOOK_URL is set, the same alerts are posted to that Slack incoming webhook,
   tracked apart (`slack_sent_at`, `slack_attempts`, `slack_last_error`) and retried the same way: a failed
   post is retried without e-mailing again, a failed e-mail without posting again. The webhook's URL is a
   secret: it is never logged or stored (an error is kept as the HTTP status or the exception's kind).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
from babel.numbers import format_decimal
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import get_language, npgettext, pgettext, to_locale

from clients.email import email_sender
from dashboard.usage.allocation import allocation
from dashboard.usage.billing import BillingMonth, month_containing
from dashboard.usage.forecast import default_as_of, forecast
from dashboard.usage.models import Plan, UsageAlert
from kinsta_sync.figures import DISK_USAGE, METRICS, VISITS, scale_bytes

logger = logging.getLogger(__name__)

THRESHOLDS = (50, 75, 90, 100)
RETRY_AFTER = timedelta(minutes=30)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Crossing:
    scope_key: str
    client_id: int | None
    client_name: str
    metric: str
    threshold: int
    actual: int
    projected: int
    limit: int


def _reached(actual: int, projected: int, limit: int) -> list[int]:
    top = max(actual, projected)
    if limit <= 0:
        return list(THRESHOLDS) if top > 0 else []
    return [t for t in THRESHOLDS if top * 100 >= t * limit]


def crossings(*, plan: Plan, month: BillingMonth, as_of: date) -> list[Crossing]:
    """Every threshold reached this month by the company (against the plan) or a client (against its quota)."""
    account = plan.account
    usage = allocation(account=account, month=month, plan=plan)
    projection = forecast(account=account, month=month, plan=plan, as_of=as_of)
    found: list[Crossing] = []
    for metric in METRICS:
        limit = usage.included[metric]
        if limit is not None:
            actual = usage.totals[metric]
            projected = projection.row("company", None, metric).projection.projected
            found += [
                Crossing("company", None, "", metric, t, actual, projected, limit)
                for t in _reached(actual, projected, limit)
            ]
        for row in usage.rows:
            quota = row.quota.get(metric)
            if row.client_id is None or quota is None:
                continue
            actual = row.usage[metric]
            projected = projection.row("client", row.client_id, metric).projection.projected
            found += [
                Crossing(f"client:{row.client_id}", row.client_id, row.name, metric, t, actual, projected, quota)
                for t in _reached(actual, projected, quota)
            ]
    return found


def _label(metric: str) -> str:
    labels = {
        VISITS: pgettext("usage alert", "visits"),
        "bandwidth": pgettext("usage alert", "bandwidth"),
        "cdn_bandwidth": pgettext("usage alert", "CDN bandwidth"),
        DISK_USAGE: pgettext("usage alert", "disk usage"),
    }
    return labels.get(metric, metric)


def _amount(metric: str, value: int) -> str:
    """A count or a size with the active language's separators: 1,200 / 1.200; 3.5 GB / 3,5 GB."""
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    if metric == VISITS:
        return format_decimal(value, format="#,##0", locale=locale)
    size, decimals, unit = scale_bytes(value)
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return f"{format_decimal(size, format=pattern, locale=locale)} {unit}"


def _line(alert: UsageAlert) -> str:
    who = (
        pgettext("usage alert", "%(client)s's quota") % {"client": alert.client.name}
        if alert.client_id
        else pgettext("usage alert", "the plan")
    )
    return pgettext(
        "usage alert",
        "- %(who)s: %(metric)s reached %(threshold)s %% (actual %(actual)s, projected for the month's end "
        "%(projected)s, limit %(limit)s)",
    ) % {
        "who": who,
        "metric": _label(alert.metric),
        "threshold": alert.threshold,
        "actual": _amount(alert.metric, alert.actual),
        "projected": _amount(alert.metric, alert.projected),
        "limit": _amount(alert.metric, alert.limit),
    }


def _send(account_name: str, month_start: date, alerts: list[UsageAlert]) -> None:
    """One plain-text e-mail to the active staff users with an address, in the staff's language (the site's
    LANGUAGE_CODE: staff have no language of their own; clients' e-mails follow the client's)."""
    recipients = sorted(
        set(
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        raise RuntimeError("no active staff user has an e-mail address")
    top = max(alerts, key=lambda a: a.threshold)
    # On one line whatever the account's name holds (a header cannot carry a line break).
    account_name = " ".join(account_name.split())
    with translation.override(settings.LANGUAGE_CODE):
        subject = npgettext(
            "usage alert",
            "Plan usage of %(account)s: %(count)s threshold reached, up to %(top)s %%",
            "Plan usage of %(account)s: %(count)s thresholds reached, up to %(top)s %%",
            len(alerts),
        ) % {"account": account_name, "count": len(alerts), "top": top.threshold}
        body = "\n".join(
            [
                pgettext("usage alert", "Kinsta account %(account)s, billing month from %(start)s:")
                % {"account": account_name, "start": month_start.isoformat()},
                "",
                *(_line(alert) for alert in alerts),
                "",
                pgettext("usage alert", "Each threshold is reported once per month; the usage page shows the details."),
            ]
        )
    sender, reply_to = email_sender()
    EmailMessage(subject, body, sender, recipients, reply_to=reply_to).send()


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(account_name: str, month_start: date, alerts: list[UsageAlert]) -> dict:
    """The JSON body posted to the incoming webhook: the e-mail's lines as Slack text."""
    account_name = " ".join(account_name.split())
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            pgettext("usage alert", "*Plan usage of %(account)s*, billing month from %(start)s:")
            % {"account": _slack_escape(account_name), "start": month_start.isoformat()},
            *(_slack_escape(_line(alert)) for alert in alerts),
        ]
    return {"text": "\n".join(lines)}


def _post_to_slack(account_name: str, month_start: date, alerts: list[UsageAlert]) -> None:
    response = httpx.post(
        settings.SLACK_ALERTS_WEBHOOK_URL, json=slack_message(account_name, month_start, alerts), timeout=10.0
    )
    if response.status_code >= 300:
        raise RuntimeError(f"the Slack webhook answered HTTP {response.status_code}")


def check_usage_alerts(*, today: date | None = None) -> dict[str, int]:
    """Insert and send the alerts due now; {"new": n, "sent": n, "failed": n, "slack_posted": n,
    "slack_failed": n} (sent and failed count e-mailed alerts, the slack ones alerts posted to Slack)."""
    today = today or timezone.localdate()
    summary = {"new": 0, "sent": 0, "failed": 0, "slack_posted": 0, "slack_failed": 0}
    slack = bool(settings.SLACK_ALERTS_WEBHOOK_URL)
    for plan in Plan.objects.select_related("account").filter(account__is_active=True):
        month = month_containing(today, plan.billing_day)
        to_send: list[UsageAlert] = []
        for crossing in crossings(plan=plan, month=month, as_of=default_as_of(plan.account, month, today)):
            try:
                with transaction.atomic():
                    alert = UsageAlert.objects.create(
                        account=plan.account,
                        month_start=month.start,
                        scope_key=crossing.scope_key,
                        client_id=crossing.client_id,
                        metric=crossing.metric,
                        threshold=crossing.threshold,
                        actual=crossing.actual,
                        projected=crossing.projected,
                        limit=crossing.limit,
                        slack_attempts=1 if slack else 0,
                    )
            except IntegrityError:
                continue  # already alerted (by an earlier run or another worker right now)
            to_send.append(alert)
        summary["new"] += len(to_send)
        to_mail = to_send + _claim_retries(plan, month, "sent_at", "attempts")
        if to_mail:
            _deliver(plan.account.name, month.start, to_mail, summary)
        if slack:
            to_post = to_send + _claim_retries(plan, month, "slack_sent_at", "slack_attempts")
            if to_post:
                _deliver_to_slack(plan.account.name, month.start, to_post, summary)
    return summary


def _claim_retries(plan: Plan, month: BillingMonth, sent_field: str, attempts_field: str) -> list[UsageAlert]:
    """The unsent alerts (by one channel: e-mail or Slack) due for a retry, each claimed by a conditional
    UPDATE of its attempts so that only one worker retries it."""
    claimed = []
    stale = timezone.now() - RETRY_AFTER
    for alert in UsageAlert.objects.filter(
        account=plan.account, month_start=month.start, created_at__lt=stale,
        **{f"{sent_field}__isnull": True, f"{attempts_field}__gte": 1, f"{attempts_field}__lt": MAX_ATTEMPTS},
    ).select_related("client"):  # fmt: skip
        won = UsageAlert.objects.filter(
            pk=alert.pk, **{attempts_field: getattr(alert, attempts_field), f"{sent_field}__isnull": True}
        ).update(**{attempts_field: F(attempts_field) + 1})
        if won == 1:
            claimed.append(alert)
    return claimed


def _ordered(alerts: list[UsageAlert]) -> tuple[list[int], list[UsageAlert]]:
    ids = [alert.pk for alert in alerts]
    return ids, list(UsageAlert.objects.filter(pk__in=ids).select_related("client").order_by("scope_key", "metric"))


def _deliver(account_name: str, month_start: date, alerts: list[UsageAlert], summary: dict[str, int]) -> None:
    ids, alerts = _ordered(alerts)
    try:
        _send(account_name, month_start, alerts)
    except Exception as error:  # the mail server, or no recipient: kept for a retry, with the reason
        logger.warning("Usage alerts of %s not sent: %s", account_name, error)
        UsageAlert.objects.filter(pk__in=ids).update(last_error=str(error)[:500])
        summary["failed"] += len(ids)
        return
    UsageAlert.objects.filter(pk__in=ids).update(sent_at=timezone.now(), last_error="")
    summary["sent"] += len(ids)


def _deliver_to_slack(account_name: str, month_start: date, alerts: list[UsageAlert], summary: dict[str, int]) -> None:
    ids, alerts = _ordered(alerts)
    try:
        _post_to_slack(account_name, month_start, alerts)
    except Exception as error:  # the webhook's answer or the network: kept for a retry
        # Never str(error) of httpx's errors: some carry the request's URL, the webhook's secret.
        reason = str(error) if isinstance(error, RuntimeError) else type(error).__name__
        logger.warning("Usage alerts of %s not posted to Slack: %s", account_name, reason)
        UsageAlert.objects.filter(pk__in=ids).update(slack_last_error=reason[:500])
        summary["slack_failed"] += len(ids)
        return
    UsageAlert.objects.filter(pk__in=ids).update(slack_sent_at=timezone.now(), slack_last_error="")
    summary["slack_posted"] += len(ids)
