"""django-q2 entry points: thin callers of dashboard.delivery."""

from __future__ import annotations


def run_due_deliveries() -> str:
    """Every few minutes (dashboard.schedules): due schedules, then every send ready to go out."""
    from dashboard.delivery import run_due_deliveries as run

    log = run()
    return "; ".join(log) or "nothing due"


def deliver_send(send_id: int) -> str:
    """Right after staff sent or approved a report. Safe to run twice: the claim lets one through."""
    from dashboard.delivery import deliver

    return deliver(send_id)
