"""System checks of the Kinsta settings (`manage.py check`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_sync_lease(**kwargs: Any) -> list[Warning]:
    """A live run renews its lease every quarter of it, but not inside one blocking socket operation
    (at most KINSTA_TIMEOUT): the lease must outlast a renewal interval plus such an operation, with room
    to spare (kinsta_sync.sync.run)."""
    from kinsta_sync.sync.run import renew_every

    lease, timeout = settings.KINSTA_SYNC_LEASE_SECONDS, settings.KINSTA_TIMEOUT
    needed = renew_every() + 2 * timeout
    if lease < needed:
        return [
            Warning(
                f"KINSTA_SYNC_LEASE_SECONDS ({lease}) is shorter than a renewal interval plus twice KINSTA_TIMEOUT "
                f"({needed:g} s): a live sync waiting on one slow request could lose its lease to another run.",
                hint=f"Set KINSTA_SYNC_LEASE_SECONDS to at least {needed:g}, or lower KINSTA_TIMEOUT.",
                id="kinsta_sync.W001",
            )
        ]
    return []
