"""django-q2 entry points (thin: the work is in dashboard.usage.alerts)."""

from __future__ import annotations


def check_usage_alerts() -> str:
    from dashboard.usage.alerts import check_usage_alerts as check

    summary = check()
    return (
        f"usage alerts: {summary['new']} new, {summary['sent']} sent, {summary['failed']} failed, "
        f"{summary['slack_posted']} posted to Slack, {summary['slack_failed']} Slack failed"
    )


def fetch_kinsta_usage() -> str:
    from dashboard.usage.reconcile import fetch_kinsta_usage as fetch
    from kinsta_sync.models import KinstaAccount

    failed = 0
    for account in KinstaAccount.objects.filter(is_active=True):
        failed += len(fetch(account=account))
    return f"Kinsta usage fetched; {failed} site(s) failed"
