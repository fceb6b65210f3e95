"""django-q2 entry points (thin: the work is in dashboard.usage.alerts)."""

from __future__ import annotations


def check_usage_alerts() -> str:
    from dashboard.usage.alerts import check_usage_alerts as check

    summary = check()
    return f"usage alerts: {summary['new']} new, {summary['sent']} sent, {summary['failed']} failed"
