"""django-q2 entry points: thin callers of dashboard.delivery.sends."""

from __future__ import annotations


def run_due_deliveries() -> str:
    """Every few minutes (dashboard.delivery.schedules): due schedules, then every send ready to go out."""
    from dashboard.delivery.sends import run_due_deliveries as run

    log = run()
    return "; ".join(log) or "nothing due"


def deliver_send(send_id: int) -> str:
    """Right after staff sent or approved a report. Safe to run twice: the claim lets one through."""
    from dashboard.delivery.sends import deliver

    return deliver(send_id)
