"""What the delivery views share: the client's time zone and language, its periods, the page to go back to."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation

from clients.models import Client
from dashboard.reports.periods import Period, parse_period
from dashboard.reports.selectors import client_today


@contextlib.contextmanager
def in_client_context(client: Client, *, language: str | None) -> Iterator[None]:
    """Render in the client's time zone, and in `language` when one is given."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(timezone.override(client.timezone))
        if language:
            stack.enter_context(translation.override(language))
        yield


def client_periods(query: Any, client: Client) -> tuple[Period, Period | None]:
    """The period and comparison of a report query, presets counted back from today in the client's zone."""
    return parse_period(query, today=client_today(client))


def reports_url(client: Client) -> str:
    """The client's Sent reports page, where every staff action goes back to."""
    return reverse("reports-archive", args=[client.slug])
